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

/**
 * `n / d` of two decimal texts, rounded once to 8 digits half-even, as the contract prints it; null
 * when `d` is 0. Texts of exactly 8 fractional digits (as PostgreSQL prints NUMERIC(18,8)) within
 * 2⁵³ units take a path of doubles when it certainly gives the exact rounding.
 */
export function divText8(n: string, d: string): string | null {
  const nu = unitsOf(n);
  const du = unitsOf(d);
  if (nu !== undefined && du !== undefined) {
    if (du === 0) return null;
    const k = fastQuotient(nu, du);
    if (k !== undefined) return unitsText(k);
  }
  const divisor = toUnits(d);
  return divisor === 0n ? null : fromUnits(divUnits(toUnits(n), divisor));
}

/**
 * `|a − b| / |c − d|` of four decimal texts (an excursion over the risk at entry), rounded once to
 * 8 digits, half-even; null when `c = d`. Exact, and without BigInt in the usual case.
 */
export function absRatioText8(a: string, b: string, c: string, d: string): string | null {
  const au = unitsOf(a);
  const bu = unitsOf(b);
  const cu = unitsOf(c);
  const du = unitsOf(d);
  if (au !== undefined && bu !== undefined && cu !== undefined && du !== undefined) {
    // Differences of safe integers of one sign: exact.
    const den = Math.abs(cu - du);
    if (den === 0) return null;
    const k = fastQuotient(Math.abs(au - bu), den);
    if (k !== undefined) return unitsText(k);
  }
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const den = abs(toUnits(c) - toUnits(d));
  return den === 0n ? null : fromUnits(divUnits(abs(toUnits(a) - toUnits(b)), den));
}

/** A text of exactly 8 fractional digits as a count of units, when that is a safe integer. */
function unitsOf(text: string): number | undefined {
  const dot = text.length - 9;
  if (dot < 1 || text.charCodeAt(dot) !== 46) return undefined;
  const negative = text.charCodeAt(0) === 45;
  // Both parts are exact integers; their sum is exact while it stays below 2⁵³ (checked after).
  const u = Number(text.slice(negative ? 1 : 0, dot)) * 1e8 + Number(text.slice(dot + 1));
  if (!(u <= Number.MAX_SAFE_INTEGER)) return undefined;
  return negative ? -u : u;
}

/**
 * `n / d` in units rounded half-even, from doubles, when that is certain: the quotient of two exact
 * integers is within a few ulps, so below 10¹³ units it is within 0.01 of the true value, which
 * decides the rounding unless it lies that close to a half. Otherwise undefined (take the exact path).
 */
function fastQuotient(n: number, d: number): number | undefined {
  const x = (n / d) * 1e8;
  if (!(Math.abs(x) < 1e13)) return undefined;
  const floor = Math.floor(x);
  const f = x - floor;
  if (Math.abs(f - 0.5) < 0.01) return undefined;
  return f < 0.5 ? floor : floor + 1;
}

/** A count of units below 2⁵³ as 8-digit text; zero is never negative. */
function unitsText(k: number): string {
  const digits = String(Math.abs(k)).padStart(9, '0');
  return `${k < 0 ? '-' : ''}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** The largest magnitude NUMERIC(18,8) holds, in units. */
export const MAX_AMOUNT_UNITS = 999_999_999_999_999_999n;

/**
 * A position's P&L on its open shares at `price` (section 8), in units: `(price − entry) × shares`
 * for LONG, `(entry − price) × shares` for SHORT, rounded once to 8 digits, half-even. Exact, in
 * integers: the figure {@link positionPnl} gives, for the position service's marks, which derive it
 * for every OPEN position of a campaign at each batch.
 */
export function markPnlUnits(long: boolean, entryPrice: bigint, shares: bigint, price: bigint): bigint {
  return divHalfEven((long ? price - entryPrice : entryPrice - price) * shares, UNIT);
}
