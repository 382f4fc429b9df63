import { asDate } from './sql.js';

// PostgreSQL's text of a UTC timestamptz(3): `2026-11-25 14:00:00.25+00`.
const PG_UTC = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,3}))?\+00$/;
// The contract's own text, which a batch of marks carries from its ticks: returned as it is.
const CONTRACT_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The contract's timestamp (UTC, milliseconds, Z). The driver's UTC text is rearranged rather than
 * parsed into a Date: a read of 1,000 positions formats 5,000 timestamps.
 */
export function utcMillis(v: Date | string): string {
  if (typeof v === 'string') {
    if (CONTRACT_UTC.test(v)) return v;
    const m = PG_UTC.exec(v);
    if (m) return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0')}Z`;
  }
  return asDate(v).toISOString();
}
