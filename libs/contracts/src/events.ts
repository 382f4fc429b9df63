import { z } from 'zod';
import { type PositionJson, positionSchema, totalsSchema } from './campaigns.js';

export const UPDATE_REASONS = [
  'marked',
  'position_opened',
  'position_reduced',
  'position_closed',
  'stop_moved',
  'settings_changed',
  'campaign_closed',
] as const;
export type UpdateReason = (typeof UPDATE_REASONS)[number];

/** The fields a mark changes (section 3): all a `marked` update carries of a position, with its id. */
export const MARK_FIELDS = [
  'current_price',
  'current_pnl',
  'net_pnl',
  'r_multiple',
  'marked_at',
  'max_favorable_price',
  'max_adverse_price',
  'mfe_r',
  'mae_r',
  'stop_breached_at',
  'stop_breach_price',
  'updated_at',
] as const;

/** A position as a `marked` update carries it: its id and the fields a mark changes; clients merge it by id. */
export const markedPositionSchema = positionSchema.pick({ id: true, ...Object.fromEntries(MARK_FIELDS.map((f) => [f, true])) } as {
  [K in 'id' | (typeof MARK_FIELDS)[number]]: true;
});
export type MarkedPositionJson = Pick<PositionJson, 'id' | (typeof MARK_FIELDS)[number]>;

/**
 * A changed position: whole, or compact in a `marked` update. The compact shape is tried first and
 * refuses any other field, so a whole position is parsed as one.
 */
export const changedPositionSchema = z.union([markedPositionSchema.strict(), positionSchema]);
export type ChangedPositionJson = PositionJson | MarkedPositionJson;

/** The `campaign_updated` message: the value of `campaign.events` and a WebSocket frame alike. */
export const campaignUpdatedSchema = z.object({
  type: z.literal('campaign_updated'),
  campaign_id: z.string(),
  seq: z.number().int().positive(),
  version: z.number().int().positive(),
  reason: z.enum(UPDATE_REASONS),
  totals: totalsSchema,
  changed_positions: z.array(changedPositionSchema),
});
export type CampaignUpdated = z.infer<typeof campaignUpdatedSchema>;
