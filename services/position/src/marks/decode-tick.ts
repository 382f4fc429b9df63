import { DECIMAL_OUTPUT_TEXT, realCalendarTime, TIMESTAMP_OUTPUT_TEXT, type TickEnvelope, tickEnvelope } from '@cpt/contracts';
import { PoisonMessageError } from '@cpt/messaging';
import type { KafkaMessage } from 'kafkajs';

// As price-ingest writes prices (8 fractional digits): checked as text, without a Decimal per tick.
const PRICE = /^[1-9]?\d{0,9}\.\d{8}$/;
const ZERO = /^0\.0{8}$/;

/**
 * What the schema makes of a value of the shape price-ingest writes (every field present, of its
 * type and format), without the schema's per-field machinery; undefined for anything else, which
 * the schema then judges and names. Like the schema, it keeps the envelope's fields only.
 */
export function plainEnvelope(json: unknown): TickEnvelope | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { v, symbol, price, ts, source, ingested_at } = json as Record<string, unknown>;
  if (v !== 1 || typeof symbol !== 'string' || symbol.length < 1 || symbol.length > 32 || typeof source !== 'string') return undefined;
  if (typeof price !== 'string' || !DECIMAL_OUTPUT_TEXT.test(price)) return undefined;
  if (typeof ts !== 'string' || !TIMESTAMP_OUTPUT_TEXT.test(ts)) return undefined;
  if (typeof ingested_at !== 'string' || !TIMESTAMP_OUTPUT_TEXT.test(ingested_at)) return undefined;
  return { v: 1, symbol, price, ts, source, ingested_at };
}

/** The number of the two digits at `from`. */
const two = (text: string, from: number): number => Number(text.slice(from, from + 2));

/**
 * Whether an instant in the schema's format (`YYYY-MM-DDTHH:mm:ss.sssZ`) names a real one in the
 * years 0001–9999: no 2026-02-30, no 24:00, no second 60 ({@link realCalendarTime}), no year 0.
 */
export function realInstant(ts: string): boolean {
  const year = Number(ts.slice(0, 4));
  if (year === 0) return false;
  return realCalendarTime(year, two(ts, 5), two(ts, 8), two(ts, 11), two(ts, 14), two(ts, 17));
}

/**
 * Validates one `market.ticks` value with the contract's schema and the rules price-ingest applies
 * (a price > 0 within NUMERIC(18,8), a real instant in the years 0001–9999); anything else is poison.
 * Whatever reaches the database here is known to fit it, so one tick cannot fail a batch. A value
 * of the shape price-ingest writes is checked without the schema ({@link plainEnvelope}), to the
 * same result.
 */
export function decodeTick(m: KafkaMessage): TickEnvelope {
  if (!m.value || m.value.length === 0) throw new PoisonMessageError('empty value');
  let json: unknown;
  try {
    json = JSON.parse(m.value.toString('utf8'));
  } catch {
    throw new PoisonMessageError('value is not JSON');
  }
  let tick = plainEnvelope(json);
  if (tick === undefined) {
    const r = tickEnvelope.safeParse(json);
    if (!r.success) {
      throw new PoisonMessageError(
        `value is not a v1 tick: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`,
      );
    }
    tick = r.data;
  }
  const { price, ts } = tick;
  if (!PRICE.test(price) || ZERO.test(price)) throw new PoisonMessageError('price: must be greater than 0 with at most 10 integer digits');
  if (!realInstant(ts)) throw new PoisonMessageError('ts: must be a real UTC instant in the years 0001–9999');
  return tick;
}
