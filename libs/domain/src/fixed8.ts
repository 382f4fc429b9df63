/**
 * Exact arithmetic on the contract's decimal text (plain notation, at most 8 fractional digits) as
 * integers of 10⁻⁸ units: for figures derived per row on a hot read path, where a Decimal per row
 * costs more than the read itself.
 */

const UNIT = 100_000_000n;
const TEXT = /^(-?)(\d+)(?:\.(\d{1,8}))?$/;

/** `"-1.5"` → `-150000000n`. @throws Error when the text is not plain notation with ≤ 8 fractional digits. */
export function toUnits(text: string): bigint {
  const m = TEXT.exec(text);
  if (!m) throw new Error(`not a decimal of at most 8 fractional digits: ${text}`);
  const units = BigInt(m[2] as string) * UNIT + BigInt((m[3] ?? '').padEnd(8, '0'));
  return m[1] === '-' ? -units : units;
}

/** `-150000000n` → `"-1.50000000"`; zero is never negative. */
export function fromUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / UNIT}.${(abs % UNIT).toString().padStart(8, '0')}`;
}

/**
 * `n / d` of two amounts in units, rounded once to 8 fractional digits, half-even, in units.
 *
 * @throws Error when `d` is zero.
 */
export function divUnits(n: bigint, d: bigint): bigint {
  return divHalfEven(n * UNIT, d);
}

/**
 * The integer nearest `n / d`, half to even, from the exact integer quotient and remainder.
 *
 * @throws Error when `d` is zero.
 */
export function divHalfEven(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new Error('division by zero');
  const negative = n < 0n !== d < 0n;
  const a = n < 0n ? -n : n;
  const b = d < 0n ? -d : d;
  let q = a / b;
  const twice = (a % b) * 2n;
  if (twice > b || (twice === b && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/** `n / d` of two decimal texts, rounded once to 8 digits half-even, as the contract prints it; null when `d` is 0. */
export function divText8(n: string, d: string): string | null {
  const divisor = toUnits(d);
  return divisor === 0n ? null : fromUnits(divUnits(toUnits(n), divisor));
}
