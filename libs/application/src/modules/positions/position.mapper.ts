import type { MarkedPositionJson, PositionJson } from '@cpt/contracts';
import { divText8, excursionR } from '@cpt/domain';
import type { Computed } from '../../db/row-shape.js';
import { type RowOf, rowShape } from '../../db/row-shape.js';
import { utcMillis } from '../../db/timestamps.js';

/** A position's fields that come from its own row: its exits are a table of their own, and its R figures are derived. */
export type PositionColumnsJson = Omit<PositionJson, 'exits' | 'r_multiple' | 'mfe_r' | 'mae_r'>;

// net_pnl: (OPEN: realized + current P&L; CLOSED: realized) − fees, an exact sum of stored figures.
const netPnl = (a: string) =>
  `coalesce(${a}.realized_pnl, 0) + case when ${a}.status = 'OPEN' then ${a}.current_pnl else 0 end - ${a}.fees`;

/** `net_pnl` in SQL (exact). */
export const NET_PNL: Computed<'decimal'> = { kind: 'decimal', sql: netPnl };

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
  status: 'value',
  closed_date: 'timestamp',
  exit_price: 'decimal',
  realized_pnl: 'decimal',
  max_favorable_price: 'decimal',
  max_adverse_price: 'decimal',
  marked_at: 'timestamp',
  stop_breached_at: 'timestamp',
  stop_breach_price: 'decimal',
  created_at: 'timestamp',
  updated_at: 'timestamp',
});

/** A position row as the reads select it (`POSITION.columns('p')`). */
export type PositionRow = RowOf<PositionColumnsJson, typeof POSITION.fields>;

/**
 * `r_multiple`: `net_pnl / initial_risk`, rounded once, half-even; null without initial risk. In
 * integers of 10⁻⁸ (the division costs a PostgreSQL function call per row, several times the read).
 */
export const rMultipleOf = (row: Pick<PositionRow, 'net_pnl' | 'initial_risk'>): string | null => divText8(row.net_pnl, row.initial_risk);

/** A position as a `marked` update carries it: its id and the fields a mark changes. */
export const markedPositionJson = (r: PositionRow): MarkedPositionJson => ({
  id: r.id,
  current_price: r.current_price,
  current_pnl: r.current_pnl,
  net_pnl: r.net_pnl,
  r_multiple: rMultipleOf(r),
  marked_at: r.marked_at === null ? null : utcMillis(r.marked_at),
  max_favorable_price: r.max_favorable_price,
  max_adverse_price: r.max_adverse_price,
  mfe_r: excursionR(r.entry_price, r.initial_stop, r.max_favorable_price),
  mae_r: excursionR(r.entry_price, r.initial_stop, r.max_adverse_price),
  stop_breached_at: r.stop_breached_at === null ? null : utcMillis(r.stop_breached_at),
  stop_breach_price: r.stop_breach_price,
  updated_at: utcMillis(r.updated_at),
});
