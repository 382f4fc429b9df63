import { ValidationError } from '@cpt/domain';

/** Where a page of a newest-first listing ends: the last item's creation time and id. */
export interface PageCursor {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// What `Date.prototype.toISOString` writes for years 0001–9999: the only form this service issues.
const ISO_MILLIS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

/** The opaque `next_cursor` of a page. */
export function encodePageCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

const invalid = () => new ValidationError([{ path: 'cursor', message: 'is not a cursor this service issued' }]);

/**
 * Reads a cursor this service issued. Anything else, including a date JavaScript would accept but
 * PostgreSQL refuses (`2026-02-30`, year 0 or past 9999), is the contract's 422, never a query.
 */
export function decodePageCursor(cursor: string): PageCursor {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') throw invalid();
  const [createdAt, id] = v as [string, string];
  const m = ISO_MILLIS.exec(createdAt);
  if (!m || !UUID.test(id)) throw invalid();
  const ms = Date.parse(createdAt);
  // The round trip rejects impossible calendar dates that Date.parse would roll over.
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== createdAt || Number(m[1]) < 1) throw invalid();
  return { createdAt, id };
}
