import {
  CAMPAIGN_STATUSES,
  normalizeSymbol,
  PATTERN_TYPES,
  POSITION_STATUSES,
  SIDES,
  SYMBOL_PATTERN,
  TIMEFRAMES,
  type TotalsJson,
} from '@cpt/domain';
import { z } from 'zod';
import {
  decimalOutput,
  nonNegativeDecimalInput,
  positiveDecimalInput,
  textInput,
  timestampInput,
  timestampOutput,
  uuid,
} from './primitives.js';

/** A symbol as a client may write it. */
export const SYMBOL_INPUT_PATTERN = '^[A-Za-z0-9._:/-]{1,32}$';

/**
 * A symbol as written by a client: stored upper-case. Only ASCII letters are upper-cased, so the
 * symbols accepted are exactly those of `SYMBOL_INPUT_PATTERN`, which the document shows.
 */
export const symbolInput = z
  .string()
  .transform(normalizeSymbol)
  .pipe(z.string().regex(SYMBOL_PATTERN, { message: 'must be 1–32 characters of A-Z 0-9 . _ : / -' }))
  .meta({
    description: '1–32 characters of A-Z 0-9 . _ : / - (lower-case letters are stored upper-case)',
    pattern: SYMBOL_INPUT_PATTERN,
    example: 'GBPUSD',
  });

export const sideSchema = z.enum(SIDES);
export const timeframeSchema = z.enum(TIMEFRAMES);
export const patternTypeSchema = z.enum(PATTERN_TYPES);

/** `POST /api/v1/campaigns` body. */
export const createCampaignBody = z.strictObject({
  name: textInput(1, 200),
  symbol: symbolInput,
  timeframe: timeframeSchema,
  side: sideSchema.default('LONG'),
  auto_exit_on_stop: z.boolean().default(false),
});
export type CreateCampaignBody = z.output<typeof createCampaignBody>;

/** `PATCH /api/v1/campaigns/{id}` body: a campaign's settings (section 8). */
export const updateCampaignBody = z.strictObject({ auto_exit_on_stop: z.boolean() });
export type UpdateCampaignBody = z.output<typeof updateCampaignBody>;

/** `POST /api/v1/campaigns/{id}/positions` body. */
export const createPositionBody = z.strictObject({
  pattern_type: patternTypeSchema,
  entry_price: positiveDecimalInput,
  shares: positiveDecimalInput,
  stop_loss: positiveDecimalInput,
  entry_fee: nonNegativeDecimalInput.optional(),
  entry_date: timestampInput.optional(),
  signal_id: uuid.nullable().optional(),
  symbol: symbolInput.optional(),
  timeframe: timeframeSchema.optional(),
});
export type CreatePositionBody = z.output<typeof createPositionBody>;

/** `PATCH /api/v1/positions/{id}` body: a trailing stop. */
export const moveStopBody = z.strictObject({ stop_loss: positiveDecimalInput });
export type MoveStopBody = z.output<typeof moveStopBody>;

/** `POST /api/v1/positions/{id}/close` body. */
export const closePositionBody = z.strictObject({
  exit_price: positiveDecimalInput,
  closed_date: timestampInput.optional(),
  fee: nonNegativeDecimalInput.optional(),
});
export type ClosePositionBody = z.output<typeof closePositionBody>;

/** `POST /api/v1/positions/{id}/exits` body: part (or all) of the open shares. */
export const exitPositionBody = z.strictObject({
  shares: positiveDecimalInput,
  price: positiveDecimalInput,
  date: timestampInput.optional(),
  fee: nonNegativeDecimalInput.optional(),
});
export type ExitPositionBody = z.output<typeof exitPositionBody>;

/** `GET /api/v1/campaigns` query. */
export const listCampaignsQuery = z.object({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, { message: 'is not a cursor this service issued' })
    .meta({ description: 'the `next_cursor` of the previous page, as it was given' })
    .optional(),
});
export type ListCampaignsQuery = z.output<typeof listCampaignsQuery>;

const booleanText = z.enum(['true', 'false']).transform((s) => s === 'true');

/** `GET /api/v1/campaigns/{id}/positions` query. */
export const campaignPositionsQuery = z.object({ include_closed: booleanText.default(true) });

/** Path parameters holding one id. */
export const idParams = z.object({ id: uuid });

/** Campaign resource. */
export const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  symbol: z.string(),
  timeframe: timeframeSchema,
  side: sideSchema,
  status: z.enum(CAMPAIGN_STATUSES),
  version: z.number().int(),
  /** Section 8: a tick at or through an OPEN position's stop exits it. */
  auto_exit_on_stop: z.boolean(),
  created_at: timestampOutput,
  updated_at: timestampOutput,
});
export type CampaignJson = z.infer<typeof campaignSchema>;

/** The totals fields shared by every campaign view. */
export const totalsSchema = z.object({
  total_shares: decimalOutput,
  weighted_avg_entry: decimalOutput,
  total_risk: decimalOutput,
  unrealized_pnl: decimalOutput,
  realized_pnl: decimalOutput,
  total_pnl: decimalOutput,
  total_fees: decimalOutput,
  net_pnl: decimalOutput,
  initial_risk: decimalOutput,
  r_multiple: decimalOutput.nullable(),
  open_positions_count: z.number().int(),
  closed_positions_count: z.number().int(),
  /** Section 8: OPEN positions whose stop a tick has reached. */
  breached_positions_count: z.number().int(),
  as_of: timestampOutput.nullable(),
});

export const campaignWithTotalsSchema = campaignSchema.extend(totalsSchema.shape);
export type CampaignWithTotalsJson = z.infer<typeof campaignWithTotalsSchema>;

export const campaignListSchema = z.object({
  items: z.array(campaignWithTotalsSchema),
  next_cursor: z.string().nullable(),
});
export type CampaignListJson = z.infer<typeof campaignListSchema>;

/** One exit of a position. */
export const exitSchema = z.object({
  id: z.string(),
  position_id: z.string(),
  shares: decimalOutput,
  price: decimalOutput,
  date: timestampOutput,
  fee: decimalOutput,
  realized_pnl: decimalOutput,
});
export type ExitJson = z.infer<typeof exitSchema>;

/** Position resource. */
export const positionSchema = z.object({
  id: z.string(),
  campaign_id: z.string(),
  signal_id: z.string().nullable(),
  symbol: z.string(),
  timeframe: timeframeSchema,
  pattern_type: patternTypeSchema,
  entry_date: timestampOutput,
  entry_price: decimalOutput,
  shares: decimalOutput,
  open_shares: decimalOutput,
  stop_loss: decimalOutput,
  initial_stop: decimalOutput,
  initial_risk: decimalOutput,
  entry_fee: decimalOutput,
  fees: decimalOutput,
  current_price: decimalOutput,
  current_pnl: decimalOutput,
  net_pnl: decimalOutput,
  r_multiple: decimalOutput.nullable(),
  status: z.enum(POSITION_STATUSES),
  closed_date: timestampOutput.nullable(),
  exit_price: decimalOutput.nullable(),
  realized_pnl: decimalOutput.nullable(),
  exits: z.array(exitSchema),
  max_favorable_price: decimalOutput,
  max_adverse_price: decimalOutput,
  mfe_r: decimalOutput,
  mae_r: decimalOutput,
  marked_at: timestampOutput.nullable(),
  /** Section 8: the first tick at or through the stop (null until then, and once a stop move clears it). */
  stop_breached_at: timestampOutput.nullable(),
  stop_breach_price: decimalOutput.nullable(),
  created_at: timestampOutput,
  updated_at: timestampOutput,
});
export type PositionJson = z.infer<typeof positionSchema>;

/** The answer to an exit: the exit and the position after it. */
export const exitResultSchema = z.object({ exit: exitSchema, position: positionSchema });
export type ExitResultJson = z.infer<typeof exitResultSchema>;

/** CampaignPositions: the positions of a campaign with the campaign's totals. */
export const campaignPositionsSchema = z
  .object({
    campaign_id: z.string(),
    version: z.number().int(),
    positions: z.array(positionSchema),
  })
  .extend(totalsSchema.shape);
export type CampaignPositionsJson = z.infer<typeof campaignPositionsSchema>;

/**
 * The totals' JSON type is the one the domain's `totalsToJson` produces; this schema must describe
 * exactly it (a field added on one side and not the other fails to compile here).
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const totalsAgree: Same<z.infer<typeof totalsSchema>, TotalsJson> = true;
void totalsAgree;

export type { TotalsJson };
