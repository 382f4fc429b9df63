import { createKafka, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { testKafkaBrokers, waitFor } from '@cpt/testkit';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/** A kafkajs client for tests, quiet unless something is wrong. */
export const testKafka = (clientId = 'price-ingest-test'): Kafka =>
  createKafka({ brokers: testKafkaBrokers(), clientId }, createLogger('price-ingest-test-kafka', 'fatal'));

/** A message of `market.ticks` as the tests see it. */
export interface Seen {
  partition: number;
  offset: bigint;
  key: string;
  value: Record<string, unknown>;
  requestId: string | undefined;
}

export interface TicksTap {
  /** Every message seen so far for a key (a symbol), in the order it was consumed. */
  of(key: string): Seen[];
  /** Waits until at least `count` messages for `key` arrived, and returns them. */
  waitFor(key: string, count: number, timeoutMs?: number): Promise<Seen[]>;
  stop(): Promise<void>;
}

const headerOf = (m: KafkaMessage, name: string): string | undefined => {
  const v = m.headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one?.toString();
};

/**
 * Reads `market.ticks` from the offsets it had when the tap opened, so a test sees exactly what
 * was published after that, without replaying the topic's history. It reads committed messages
 * only, as the position service does; `readUncommitted` shows what aborted transactions wrote too.
 */
export async function tapTicks(kafka: Kafka, topic: string = TOPICS.ticks, opts: { readUncommitted?: boolean } = {}): Promise<TicksTap> {
  const admin = kafka.admin();
  await admin.connect();
  const starts = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const byKey = new Map<string, Seen[]>();
  const consumer: Consumer = kafka.consumer({
    groupId: `price-ingest-test-${Date.now()}-${Math.random()}`,
    maxWaitTimeInMs: 50,
    readUncommitted: opts.readUncommitted ?? false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const key = message.key?.toString() ?? '';
      const list = byKey.get(key) ?? [];
      list.push({
        partition,
        offset: BigInt(message.offset),
        key,
        value: JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>,
        requestId: headerOf(message, 'x-request-id'),
      });
      byKey.set(key, list);
    },
  });
  for (const s of starts) consumer.seek({ topic, partition: s.partition, offset: s.offset });
  const of = (key: string) => byKey.get(key) ?? [];
  return {
    of,
    waitFor: (key, count, timeoutMs = 20_000) =>
      waitFor(() => of(key).length >= count && of(key), { timeoutMs, what: `${count} messages for ${key} (have ${of(key).length})` }),
    stop: async () => {
      await consumer.disconnect();
    },
  };
}
