import type { JournalEntryJson } from '@cpt/contracts';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/** A journal entry's columns, row and JSON. */
export const JOURNAL = rowShape<JournalEntryJson>()({
  id: 'value',
  at: 'timestamp',
  action: 'value',
  version: 'value',
  position_id: 'value',
  key_id: 'value',
  key_name: 'value',
  request_id: 'value',
  details: 'value',
});
export type JournalRow = RowOf<JournalEntryJson, typeof JOURNAL.fields>;
export const journalJson = (row: JournalRow): JournalEntryJson => JOURNAL.toJson(row);
