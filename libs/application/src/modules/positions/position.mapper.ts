import type { PositionJson } from '@cpt/contracts';
import type { Computed } from '../../db/row-shape.js';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/** A position's fields that come from its own row (its exits are a table of their own). */
export type PositionColumnsJson = Omit<PositionJson, 'exits'>;

// net_pnl: (OPEN: realized + current P&L; CLOSED: realized) − fees, an exact sum of stored figures.
const netPnl = (a: string) =>
  `coalesce(${a}.realized_pnl, 0) + case when ${a}.status = 'OPEN' then ${a}.current_pnl else 0 end - ${a}.fees`;

/** `net_pnl` in SQL (exact). */
export const NET_PNL: Computed<'decimal'> = { kind: 'decimal', sql: netPnl };

/** `r_multiple`: net P&L over the initial risk, rounded once, half-even; null without initial risk. */
export const R_MULTIPLE: Computed<'decimal'> = {
  kind: 'decimal',
  sql: (a) => `case when ${a}.initial_risk = 0 then null else div_round_half_even(${netPnl(a)}, ${a}.initial_risk) end`,
};

/**
 * A position's columns, row and JSON, defined once: each contract field is the column of the same
 * name, or an expression over them. Adding a field to the contract's Position is one line here
 * (the compiler asks for it).
 */
export const POSITION = rowShape<PositionColumnsJson>()({
  id: 'value',
  campaign_id: 'value',
  signal_id: 'value',
  symbol: 'value',
  timeframe: 'value',
  pattern_type: 'value',
  entry_date: 'timestamp',
  entry_price: 'decimal',
  shares: 'decimal',
  open_shares: 'decimal',
  stop_loss: 'decimal',
  initial_stop: 'decimal',
  initial_risk: 'decimal',
  entry_fee: 'decimal',
  fees: 'decimal',
  current_price: 'decimal',
  current_pnl: 'decimal',
  net_pnl: NET_PNL,
  r_multiple: R_MULTIPLE,
  status: 'value',
  closed_date: 'timestamp',
  exit_price: 'decimal',
  realized_pnl: 'decimal',
  marked_at: 'timestamp',
  created_at: 'timestamp',
  updated_at: 'timestamp',
});

/** A position row as the reads select it (`POSITION.columns('p')`). */
export type PositionRow = RowOf<PositionColumnsJson, typeof POSITION.fields>;
