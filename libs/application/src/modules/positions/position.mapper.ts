import type { PositionJson } from '@cpt/contracts';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/**
 * A position's columns, row and JSON, defined once: each contract field is the column of the same
 * name. Adding a field to the contract's Position is one line here (the compiler asks for it).
 */
export const POSITION = rowShape<PositionJson>()({
  id: 'value',
  campaign_id: 'value',
  signal_id: 'value',
  symbol: 'value',
  timeframe: 'value',
  pattern_type: 'value',
  entry_date: 'timestamp',
  entry_price: 'decimal',
  shares: 'decimal',
  stop_loss: 'decimal',
  current_price: 'decimal',
  current_pnl: 'decimal',
  status: 'value',
  closed_date: 'timestamp',
  exit_price: 'decimal',
  realized_pnl: 'decimal',
  marked_at: 'timestamp',
  created_at: 'timestamp',
  updated_at: 'timestamp',
});

/** A position row as the reads select it (`POSITION.columns('p')`). */
export type PositionRow = RowOf<PositionJson, typeof POSITION.fields>;

/** The contract's Position from a row. */
export const positionJson = (row: PositionRow): PositionJson => POSITION.toJson(row);
