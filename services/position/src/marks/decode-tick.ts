import { type TickEnvelope, tickEnvelope } from '@cpt/contracts';
import { PoisonMessageError } from '@cpt/messaging';
import type { KafkaMessage } from 'kafkajs';

// As price-ingest writes prices (8 fractional digits): checked as text, without a Decimal per tick.
const PRICE = /^[1-9]?\d{0,9}\.\d{8}$/;
const ZERO = /^0\.0{8}$/;

/**
 * Validates one `market.ticks` value with the contract's schema and the rules price-ingest applies
 * (a price > 0 within NUMERIC(18,8), a real instant in the years 0001–9999); anything else is poison.
 * Whatever reaches the database here is known to fit it, so one tick cannot fail a batch.
 */
export function decodeTick(m: KafkaMessage): TickEnvelope {
  if (!m.value || m.value.length === 0) throw new PoisonMessageError('empty value');
  let json: unknown;
  try {
    json = JSON.parse(m.value.toString('utf8'));
  } catch {
    throw new PoisonMessageError('value is not JSON');
  }
  const r = tickEnvelope.safeParse(json);
  if (!r.success) {
    throw new PoisonMessageError(
      `value is not a v1 tick: ${r.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ')}`,
    );
  }
  const { price, ts } = r.data;
  if (!PRICE.test(price) || ZERO.test(price)) throw new PoisonMessageError('price: must be greater than 0 with at most 10 integer digits');
  // The round trip refuses impossible dates (2026-02-30) and years past 9999; year 0 is refused by name.
  const ms = Date.parse(ts);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== ts || ts.startsWith('0000')) {
    throw new PoisonMessageError('ts: must be a real UTC instant in the years 0001–9999');
  }
  return r.data;
}
