// The named export: under NodeNext the default import types as the CommonJS module object.
import { Decimal } from 'decimal.js';

/**
 * The project's decimal constructor.
 *
 * Eighty significant digits keep every product and sum of `NUMERIC(18,8)` values exact, so the
 * only rounding that ever happens is the explicit, single half-even rounding to 8 digits.
 */
export const D: typeof Decimal = Decimal.clone({
  precision: 80,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
});

/** A decimal value built by {@link D}. */
export type Dec = InstanceType<typeof D>;

/** Zero. */
export const ZERO: Dec = new D(0);

/** The largest magnitude a `NUMERIC(18,8)` column holds: `9999999999.99999999`. */
export const MAX_ABS: Dec = new D('9999999999.99999999');

const HALF_EVEN = D.ROUND_HALF_EVEN;
const ULP: Dec = new D('0.00000001');

/**
 * Builds a decimal from a trusted canonical string (for example a `NUMERIC` read from the
 * database) or copies one.
 *
 * @throws Error when the value is not a finite decimal.
 */
export function dec(v: string | Dec): Dec {
  const x = new D(v);
  if (!x.isFinite()) throw new Error(`not a finite decimal: ${String(v)}`);
  return x;
}

// Negative zero would print as "-0" and survive into JSON, so results are normalised to zero.
function unsignedZero(x: Dec): Dec {
  return x.isZero() ? ZERO : x;
}

/** Rounds to 8 fractional digits, half-even. */
export function round8(x: Dec): Dec {
  return unsignedZero(x.toDecimalPlaces(8, HALF_EVEN));
}

/**
 * Formats in plain notation with exactly 8 fractional digits, rounding half-even if needed.
 * Zero, including negative zero and values that round to zero, prints as `"0.00000000"`.
 *
 * @throws Error when the value is not finite.
 */
export function fmt8(x: Dec): string {
  if (!x.isFinite()) throw new Error('cannot format a non-finite decimal');
  return round8(x).toFixed(8);
}

/**
 * Divides exactly and rounds the quotient once to 8 fractional digits, half-even.
 *
 * A quotient rounded first to the working precision and then to 8 digits could be rounded
 * twice; truncating and deciding from the exact remainder cannot.
 *
 * @throws Error when the divisor is zero.
 */
export function divRound8(numerator: Dec, divisor: Dec): Dec {
  if (divisor.isZero()) throw new Error('division by zero');
  const negative = numerator.isNegative() !== divisor.isNegative() && !numerator.isZero();
  const n = numerator.abs();
  const d = divisor.abs();
  const step = d.mul(ULP);
  let q = n.div(d).toDecimalPlaces(8, D.ROUND_DOWN);
  // The working-precision quotient is itself rounded, so nudge q until it is the true floor.
  if (q.mul(d).gt(n)) q = q.minus(ULP);
  else if (n.minus(q.mul(d)).gte(step)) q = q.plus(ULP);
  // n = q*d + r with 0 <= r < step: round up when r is past half a step, or exactly half and q odd.
  const cmp = n.minus(q.mul(d)).mul(2).cmp(step);
  const lastDigitOdd = q.mul(1e8).mod(2).eq(1);
  if (cmp > 0 || (cmp === 0 && lastDigitOdd)) q = q.plus(ULP);
  return unsignedZero(negative ? q.neg() : q);
}

/** The outcome of {@link parseDecimalText}. */
export type DecimalParse = { ok: true; value: Dec } | { ok: false; message: string };

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses decimal input text under the contract's rule: plain notation only (optional `-`,
 * digits, optionally `.` and at least one digit), at most 8 written fractional digits and at
 * most 10 integer digits after leading zeros, i.e. the range of `NUMERIC(18,8)`.
 */
export function parseDecimalText(raw: string): DecimalParse {
  const m = PLAIN_DECIMAL.exec(raw);
  if (m === null) return { ok: false, message: 'must be a decimal in plain notation' };
  const integer = m[2] ?? '';
  const fraction = m[3] ?? '';
  if (fraction.length > 8) return { ok: false, message: 'at most 8 fractional digits' };
  if (integer.replace(/^0+/, '').length > 10) {
    return { ok: false, message: 'at most 10 integer digits' };
  }
  return { ok: true, value: unsignedZero(new D(raw)) };
}

/** Whether the value fits a `NUMERIC(18,8)` column without rounding or overflow. */
export function fitsNumeric18_8(x: Dec): boolean {
  return x.isFinite() && x.abs().lte(MAX_ABS) && x.decimalPlaces() <= 8;
}
