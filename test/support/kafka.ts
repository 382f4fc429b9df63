import { createKafka, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { testKafkaBrokers, waitFor } from '@cpt/testkit';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** A kafkajs client for tests, quiet unless something is wrong. */
export const testKafka = (): Kafka => createKafka({ brokers: testKafkaBrokers(), clientId: 'e2e' }, createLogger('e2e-kafka', 'fatal'));

/** Waits until a consumer group has committed every message currently in the topic. */
export async function waitForGroupCaughtUp(kafka: Kafka, groupId: string, topic: string = TOPICS.ticks, timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await waitFor(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return ends.every((e) => {
          const c = committed?.partitions.find((p) => p.partition === e.partition);
          return c !== undefined && BigInt(c.offset === '-1' ? '0' : c.offset) >= BigInt(e.high);
        });
      },
      { timeoutMs, intervalMs: 200, what: `group ${groupId} to catch up on ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Collects every message of a topic from the beginning, for as long as the test needs. */
export async function collect(kafka: Kafka, topic: string): Promise<{ messages: KafkaMessage[]; stop: () => Promise<void> }> {
  const messages: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: `e2e-collect-${topic}-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push(message);
    },
  });
  return {
    messages,
    stop: async () => {
      await consumer.disconnect();
    },
  };
}

/** The value of a message header as text. */
export const headerOf = (m: KafkaMessage, name: string): string | undefined => {
  const v = m.headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one?.toString();
};
