import { PATTERN_TYPES } from '@cpt/domain';
import { z } from 'zod';
import { sideSchema } from './campaigns.js';
import { decimalOutput, timestampInput, timestampOutput } from './primitives.js';

/** `GET /api/v1/stats/patterns` query: closed positions with `closed_date` in [`from`, `to`). */
export const patternStatsQuery = z.object({
  side: sideSchema.optional(),
  from: timestampInput.optional(),
  to: timestampInput.optional(),
});
export type PatternStatsQuery = z.output<typeof patternStatsQuery>;

/** The statistics of one Wyckoff pattern over the account's closed positions (section 9). */
export const patternStatsSchema = z.object({
  pattern_type: z.enum(PATTERN_TYPES),
  closed_positions: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  win_rate: decimalOutput,
  avg_r_multiple: decimalOutput.nullable(),
  total_net_pnl: decimalOutput,
  avg_holding_seconds: z.number().int(),
  avg_mfe_r: decimalOutput,
  avg_mae_r: decimalOutput,
});
export type PatternStatsJson = z.infer<typeof patternStatsSchema>;

export const patternStatsListSchema = z.object({ items: z.array(patternStatsSchema) });
export type PatternStatsListJson = z.infer<typeof patternStatsListSchema>;

/** The resolutions of an equity curve. */
export const EQUITY_INTERVALS = ['1m', '1h', '1d'] as const;
export type EquityInterval = (typeof EQUITY_INTERVALS)[number];

/** `GET …/equity` query. */
export const equityQuery = z.object({
  from: timestampInput,
  to: timestampInput.optional(),
  interval: z.enum(EQUITY_INTERVALS).default('1h'),
});
export type EquityQuery = z.output<typeof equityQuery>;

/** One bucket of an equity curve: the totals after the last change at or before its end. */
export const equityPointSchema = z.object({
  t: timestampOutput,
  total_pnl: decimalOutput,
  net_pnl: decimalOutput,
  realized_pnl: decimalOutput,
  unrealized_pnl: decimalOutput,
  total_risk: decimalOutput,
});
export type EquityPointJson = z.infer<typeof equityPointSchema>;

export const campaignEquitySchema = z.object({
  campaign_id: z.string(),
  interval: z.enum(EQUITY_INTERVALS),
  points: z.array(equityPointSchema),
});
export type CampaignEquityJson = z.infer<typeof campaignEquitySchema>;

export const accountEquitySchema = z.object({
  account_id: z.string(),
  interval: z.enum(EQUITY_INTERVALS),
  points: z.array(equityPointSchema),
});
export type AccountEquityJson = z.infer<typeof accountEquitySchema>;
