import type { KeyJson } from '@cpt/contracts';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/** An API key record's columns, row and JSON (never the key, never its hash). */
export const KEY = rowShape<KeyJson>()({
  id: 'value',
  account_id: 'value',
  name: 'value',
  scopes: 'value',
  prefix: 'value',
  created_at: 'timestamp',
  expires_at: 'timestamp',
  revoked_at: 'timestamp',
  last_used_at: 'timestamp',
});
export type KeyRow = RowOf<KeyJson, typeof KEY.fields>;
export const keyJson = (row: KeyRow): KeyJson => KEY.toJson(row);
