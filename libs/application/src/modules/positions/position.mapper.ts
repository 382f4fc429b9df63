import type { PositionJson } from '@cpt/contracts';
import { divText8 } from '@cpt/domain';
import type { Computed } from '../../db/row-shape.js';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/** A position's fields that come from its own row: its exits are a table of their own, and its R figures are derived. */
export type PositionColumnsJson = Omit<PositionJson, 'exits' | 'r_multiple' | 'mfe_r' | 'mae_r'>;

/** The largest magnitude NUMERIC(18,8) holds. */
const MAX_AMOUNT = '9999999999.99999999';

/**
 * The P&L of the shares still open of position `a` at `price` (section 8: partial exits have taken
 * the rest), rounded once, half-even; `long` is a boolean expression of its campaign's side.
 */
const pnlAt = (a: string, price: string, long: string) =>
  `round_half_even(case when ${long} then ${price} - ${a}.entry_price else ${a}.entry_price - ${price} end * ${a}.open_shares, 8)`;

/**
 * Section 6: an OPEN position's mark is its symbol's, once the symbol's mark is not before its
 * entry. One row a symbol (`symbol_marks`) holds it; a position's `current_price`,
 * `current_pnl`, `marked_at` and `updated_at` follow from it on read, as `<a>_mark`
 * (`price, pnl, ts, updated_at`; all null when the symbol's mark does not reach the position).
 * A mark whose P&L would not fit NUMERIC(18,8) does not reach it either: the position shows the
 * last mark it could carry, which the batch that moved the symbol past it wrote into its row.
 * CLOSED positions show their own columns, frozen when they closed.
 */
export const MARK_JOIN = (a: string, join: 'left join' | 'join' = 'left join') => `${join} lateral (
    select ${a}_s.price, ${a}_s.ts, ${a}_s.updated_at, case when abs(${a}_r.pnl) <= ${MAX_AMOUNT} then ${a}_r.pnl::numeric(18,8) end as pnl
    from symbol_marks ${a}_s join campaigns ${a}_c on ${a}_c.id = ${a}.campaign_id
    cross join lateral (select ${pnlAt(a, `${a}_s.price`, `${a}_c.side = 'LONG'`)} as pnl offset 0) ${a}_r
    where ${a}.status = 'OPEN' and ${a}_s.symbol = ${a}.symbol and ${a}_s.ts >= ${a}.entry_date and abs(${a}_r.pnl) <= ${MAX_AMOUNT}
  ) ${a}_mark on true`;

/** `positions <a>` with each position's mark (see {@link MARK_JOIN}): what every read of positions selects from. */
export const positionsFrom = (a: string) => `positions ${a} ${MARK_JOIN(a)}`;

/** The mark-derived columns of position `a` (read from {@link positionsFrom}). */
export const MARKED = {
  currentPrice: (a: string) => `coalesce(${a}_mark.price, ${a}.current_price)`,
  currentPnl: (a: string) => `coalesce(${a}_mark.pnl, ${a}.current_pnl)`,
  markedAt: (a: string) => `coalesce(${a}_mark.ts, ${a}.marked_at)`,
  updatedAt: (a: string) => `greatest(${a}.updated_at, ${a}_mark.updated_at)`,
};

// net_pnl: (OPEN: realized + current P&L; CLOSED: realized) − fees, an exact sum.
const netPnl = (a: string) =>
  `coalesce(${a}.realized_pnl, 0) + case when ${a}.status = 'OPEN' then ${MARKED.currentPnl(a)} else 0 end - ${a}.fees`;

/** `net_pnl` in SQL (exact), of a position read from {@link positionsFrom}. */
export const NET_PNL: Computed<'decimal'> = { kind: 'decimal', sql: netPnl };

/**
 * A position's columns, row and JSON, defined once: each contract field is the column of the same
 * name, or an expression over them (the mark's, see {@link MARK_JOIN}). Adding a field to the contract's Position is one line here
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
  current_price: { kind: 'decimal', sql: MARKED.currentPrice },
  current_pnl: { kind: 'decimal', sql: MARKED.currentPnl },
  net_pnl: NET_PNL,
  status: 'value',
  closed_date: 'timestamp',
  exit_price: 'decimal',
  realized_pnl: 'decimal',
  max_favorable_price: 'decimal',
  max_adverse_price: 'decimal',
  marked_at: { kind: 'timestamp', sql: MARKED.markedAt },
  stop_breached_at: 'timestamp',
  stop_breach_price: 'decimal',
  created_at: 'timestamp',
  updated_at: { kind: 'timestamp', sql: MARKED.updatedAt },
});

/** A position row as the reads select it (`POSITION.columns('p')` from `positionsFrom('p')`). */
export type PositionRow = RowOf<PositionColumnsJson, typeof POSITION.fields>;

/**
 * `r_multiple`: `net_pnl / initial_risk`, rounded once, half-even; null without initial risk. In
 * integers of 10⁻⁸ (the division costs a PostgreSQL function call per row, several times the read).
 */
export const rMultipleOf = (row: Pick<PositionRow, 'net_pnl' | 'initial_risk'>): string | null => divText8(row.net_pnl, row.initial_risk);
