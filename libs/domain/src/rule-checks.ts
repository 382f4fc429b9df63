import { type Dec, fitsNumeric18_8, ZERO } from './decimal.js';
import { type FieldIssue, ValidationError } from './errors.js';

/** How far in the future an `entry_date` or `closed_date` may lie, in milliseconds. */
export const MAX_FUTURE_ENTRY_MS = 60_000;

/** Adds an issue unless the amount is > 0 and fits NUMERIC(18,8); returns whether it is usable. */
export function checkAmount(issues: FieldIssue[], path: string, x: Dec): boolean {
  if (!x.isFinite() || !x.gt(ZERO)) {
    issues.push({ path, message: 'must be greater than 0' });
    return false;
  }
  if (!fitsNumeric18_8(x)) {
    issues.push({ path, message: 'at most 10 integer and 8 fractional digits' });
    return false;
  }
  return true;
}

/** Adds an issue unless the fee is ≥ 0 and fits NUMERIC(18,8); returns whether it is usable. */
export function checkFee(issues: FieldIssue[], path: string, x: Dec): boolean {
  if (!x.isFinite() || x.lt(ZERO)) {
    issues.push({ path, message: 'must be 0 or greater' });
    return false;
  }
  if (!fitsNumeric18_8(x)) {
    issues.push({ path, message: 'at most 10 integer and 8 fractional digits' });
    return false;
  }
  return true;
}

/** Adds an issue unless the date is valid and at most a minute ahead of now; returns whether it is usable. */
export function checkDate(issues: FieldIssue[], path: string, d: Date, now: Date): boolean {
  if (Number.isNaN(d.getTime())) {
    issues.push({ path, message: 'must be a valid timestamp' });
    return false;
  }
  if (d.getTime() - now.getTime() > MAX_FUTURE_ENTRY_MS) {
    issues.push({ path, message: 'may not be more than 60 s in the future' });
    return false;
  }
  return true;
}

/** Throws a {@link ValidationError} carrying the issues, if there are any. */
export function fail(issues: FieldIssue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}
