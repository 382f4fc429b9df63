import { type TickEnvelope, tickEnvelope } from '@cpt/contracts';
import { PoisonMessageError } from '@cpt/messaging';
import type { KafkaMessage } from 'kafkajs';

/** Validates one `market.ticks` value with the contract's schema; anything else is poison. */
export function decodeTick(m: KafkaMessage): TickEnvelope {
  if (!m.value) throw new PoisonMessageError('empty value');
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
  return r.data;
}
