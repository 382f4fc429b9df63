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

/**
 * Headers of every `campaign.events` message beside `x-request-id`: its campaign and seq, so that
 * a reader can order and deduplicate it without parsing its value (which can be tens of KB).
 */
export const EVENT_HEADERS = { campaignId: 'campaign-id', seq: 'campaign-seq' } as const;

/** The `EVENT_HEADERS` of the event of that campaign and seq, as its producer sends them. */
export const eventHeaders = (campaignId: string, seq: number | string): Record<string, string> => ({
  [EVENT_HEADERS.campaignId]: campaignId,
  [EVENT_HEADERS.seq]: String(seq),
});

/** The headers of section 5's `campaign.events` message as a reader takes them (header values are bytes). */
export const eventHeadersSchema = z.object({
  [EVENT_HEADERS.campaignId]: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  [EVENT_HEADERS.seq]: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/)
    .transform(Number),
});

/**
 * How the value of the event of that campaign and seq begins, as `JSON.stringify` writes a
 * `CampaignUpdated` built in the schema's key order: a reader that finds its headers' campaign and
 * seq there knows the two agree without parsing the rest.
 */
export const eventValuePrefix = (campaignId: string, seq: number): string =>
  `{"type":"campaign_updated","campaign_id":"${campaignId}","seq":${seq},`;
