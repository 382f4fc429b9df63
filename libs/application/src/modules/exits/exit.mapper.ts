import type { ExitJson } from '@cpt/contracts';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/** An exit's columns, row and JSON, defined once. */
export const EXIT = rowShape<ExitJson>()({
  id: 'value',
  position_id: 'value',
  shares: 'decimal',
  price: 'decimal',
  date: 'timestamp',
  fee: 'decimal',
  realized_pnl: 'decimal',
});

/** An exit row as the reads select it (`EXIT.columns('e')`). */
export type ExitRow = RowOf<ExitJson, typeof EXIT.fields>;
