import type { PositionJson } from './campaigns.js';
import type { ChangedPositionJson } from './events.js';

// What a client needs of the contract at run time besides types, apart from the zod schemas, so
// that a bundle for the browser that imports only these carries no schema code.

/** The most campaigns one `subscribe` or `unsubscribe` may name (section 3). */
export const MAX_CAMPAIGNS_PER_SUBSCRIBE = 1000;

/** Whether an entry of `changed_positions` is a whole position, or the compact entry of a `marked` update. */
export const isWholePosition = (p: ChangedPositionJson): p is PositionJson => 'entry_date' in p;
