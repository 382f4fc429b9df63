/** Prices are counted in units of 0.00000001, so they are exact integers and never binary floats. */
export const UNITS_PER_ONE = 100_000_000n;

/** The largest price the contract takes: 9999999999.99999999. */
export const MAX_UNITS = 10n ** 18n - 1n;

const PLAIN = /^(\d{1,10})(?:\.(\d{1,8}))?$/;

/** Reads a plain positive decimal (≤10 integer and ≤8 fractional digits) as units; null when it is not one. */
export function parseUnits(text: string): bigint | null {
  const m = PLAIN.exec(text.trim());
  if (m === null) return null;
  const units = BigInt(m[1] as string) * UNITS_PER_ONE + BigInt((m[2] ?? '').padEnd(8, '0'));
  return units > 0n ? units : null;
}

/** Formats units as the contract writes decimals: plain, with exactly 8 fractional digits. */
export function formatUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / UNITS_PER_ONE}.${(abs % UNITS_PER_ONE).toString().padStart(8, '0')}`;
}
