import { z } from 'zod';
import { positionSchema, totalsSchema } from './campaigns.js';

export const UPDATE_REASONS = [
  'marked',
  'position_opened',
  'position_reduced',
  'position_closed',
  'stop_moved',
  'campaign_closed',
] as const;
export type UpdateReason = (typeof UPDATE_REASONS)[number];

/** The `campaign_updated` message: the value of `campaign.events` and a WebSocket frame alike. */
export const campaignUpdatedSchema = z.object({
  type: z.literal('campaign_updated'),
  campaign_id: z.string(),
  seq: z.number().int().positive(),
  version: z.number().int().positive(),
  reason: z.enum(UPDATE_REASONS),
  totals: totalsSchema,
  changed_positions: z.array(positionSchema),
});
export type CampaignUpdated = z.infer<typeof campaignUpdatedSchema>;
