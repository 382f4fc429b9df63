import { NumberText, parseTimestamp, type TickEnvelope } from '@cpt/contracts';

// Only the common shapes take the fast path; anything else (signs, non-ASCII letters, numbers
// that already went through JSON.parse) goes through the schema, which has the last word.
const PLAIN_SYMBOL = /^[A-Za-z0-9._:/-]{1,32}$/;
const UNSIGNED_DECIMAL = /^(\d+)(?:\.(\d{1,8}))?$/;
const ZERO = /^0*$/;
// Printable ASCII only: any other source (NUL, surrogates, lengths in code points) is the schema's to judge.
const PLAIN_SOURCE = /^[\x20-\x7e]{1,64}$/;

/**
 * The price as the contract outputs it (8 fractional digits), when it is a positive decimal
 * within NUMERIC(18,8) written as unsigned plain text; else undefined.
 */
export function fastPrice(raw: unknown): string | undefined {
  const text = typeof raw === 'string' ? raw : raw instanceof NumberText ? raw.text : undefined;
  if (text === undefined) return undefined;
  const m = UNSIGNED_DECIMAL.exec(text);
  if (m === null) return undefined;
  const digits = m[1] as string;
  const fraction = m[2] ?? '';
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
  const integer = start === 0 ? digits : digits.slice(start);
  if (integer.length > 10) return undefined;
  if (integer === '0' && ZERO.test(fraction)) return undefined;
  return `${integer}.${fraction.padEnd(8, '0')}`;
}

/**
 * Validates and converts one tick without the schema's per-field machinery, for the common case.
 * Returns undefined whenever the tick is not plainly valid; the caller then asks the schema, so
 * this only ever accepts what `tickInput` accepts, with the same result.
 */
export function fastTick(item: unknown, ingestedAt: string): TickEnvelope | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const proto = Object.getPrototypeOf(item);
  if (proto !== Object.prototype && proto !== null) return undefined;
  // A field beyond the four is the schema's to name (section 1).
  for (const k in item) if (k !== 'symbol' && k !== 'price' && k !== 'ts' && k !== 'source') return undefined;
  const { symbol, price, ts, source } = item as Record<string, unknown>;
  if (typeof symbol !== 'string' || !PLAIN_SYMBOL.test(symbol)) return undefined;
  if (typeof ts !== 'string') return undefined;
  if (source !== undefined && (typeof source !== 'string' || !PLAIN_SOURCE.test(source))) return undefined;
  const price8 = fastPrice(price);
  if (price8 === undefined) return undefined;
  const at = parseTimestamp(ts);
  if (at === null) return undefined;
  return {
    v: 1,
    symbol: symbol.toUpperCase(),
    price: price8,
    ts: at.toISOString(),
    source: source ?? 'unspecified',
    ingested_at: ingestedAt,
  };
}
