import { ifMatchHeader } from '@cpt/contracts';
import { z } from 'zod';

/** The headers a command that changes a campaign takes. */
export const commandHeaders = z.object({ 'if-match': ifMatchHeader.optional() });
