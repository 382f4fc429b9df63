import { randomUUID } from 'node:crypto';
import { commitGroupOffsets, createKafka, type Publisher } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { testKafkaBrokers, waitFor } from '@cpt/testkit';
import { type Kafka, type KafkaMessage, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';

/** A kafkajs client for tests, silent unless TEST_LOG_LEVEL asks for more. */
export const testKafka = (clientId = 'position-test'): Kafka =>
  createKafka({ brokers: testKafkaBrokers(), clientId }, createLogger('position-test-kafka', process.env.TEST_LOG_LEVEL ?? 'silent'));

/** One message of a topic as the tests see it. */
export interface Seen {
  partition: number;
  offset: bigint;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface Tap {
  /** The messages seen so far for a key, in the order they were consumed. */
  of(key: string): Seen[];
  /** Waits until at least `count` messages for `key` arrived, and returns them. */
  waitFor(key: string, count: number, timeoutMs?: number): Promise<Seen[]>;
  /** Waits until the tap has read everything the topic holds now. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const headersOf = (m: KafkaMessage): Record<string, string> =>
  Object.fromEntries(
    Object.entries(m.headers ?? {}).flatMap(([k, v]) => {
      const one = Array.isArray(v) ? v[0] : v;
      return one === undefined ? [] : [[k, one.toString()]];
    }),
  );

/** A topic of one partition of its own, named `prefix.<uuid>`, for a test that must see only its messages. */
export async function freshTopic(kafka: Kafka, prefix: string): Promise<string> {
  const topic = `${prefix}.${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

/** The end (the next offset) of each partition of a topic. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a topic from the offsets it had when the tap opened: the test sees what was published
 * after that, not the history other suites left in the shared topic.
 */
export async function tapTopic(kafka: Kafka, topic: string): Promise<Tap> {
  const starts = await endOffsets(kafka, topic);
  const next = new Map(starts);
  const byKey = new Map<string, Seen[]>();
  const consumer = kafka.consumer({ groupId: `position-test-tap-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const key = message.key?.toString() ?? '';
      const list = byKey.get(key) ?? [];
      list.push({ partition, offset: BigInt(message.offset), key, value: message.value?.toString() ?? '', headers: headersOf(message) });
      byKey.set(key, list);
      next.set(partition, BigInt(message.offset) + 1n);
    },
  });
  for (const [partition, offset] of starts) consumer.seek({ topic, partition, offset: String(offset) });
  const of = (key: string) => byKey.get(key) ?? [];
  return {
    of,
    waitFor: (key, count, timeoutMs = 15_000) =>
      waitFor(() => of(key).length >= count && of(key), {
        timeoutMs,
        what: `${count} messages of ${key} on ${topic} (have ${of(key).length})`,
      }),
    caughtUp: async (timeoutMs = 15_000) => {
      const ends = await endOffsets(kafka, topic);
      await waitFor(() => [...ends].every(([p, end]) => (next.get(p) ?? 0n) >= end), {
        timeoutMs,
        what: `the tap to read ${topic} to its end`,
      });
    },
    stop: async () => {
      await consumer.disconnect();
    },
  };
}

/** A producer partitioning by key as the services' publisher does. */
export async function testProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/** A `market.ticks` value as price-ingest writes it. */
export const tickValue = (symbol: string, price: string, ts: string): string =>
  JSON.stringify({ v: 1, symbol, price, ts, source: 'position-test', ingested_at: ts });

export interface Produced {
  partition: number;
  /** The offset of the first message sent. */
  offset: bigint;
}

/** One message to produce. */
interface Outgoing {
  value: string;
  headers?: Record<string, string>;
}

/** Sends messages of one key in one request, so that they land in one record batch of one partition. */
export async function produce(producer: Producer, topic: string, key: string, messages: readonly Outgoing[]): Promise<Produced> {
  const [meta] = (await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key, ...m })) })) as [RecordMetadata];
  return { partition: meta.partition, offset: BigInt(meta.baseOffset ?? '-1') };
}

/** The offset a group committed on a partition; -1 when it committed none. */
export async function committedOffset(kafka: Kafka, groupId: string, topic: string, partition: number): Promise<bigint> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return BigInt(t?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
  } finally {
    await admin.disconnect();
  }
}

/** Waits until a group committed past `offset` on a partition: the message there was processed. */
export const waitForCommitted = (kafka: Kafka, groupId: string, topic: string, at: Produced, timeoutMs = 15_000): Promise<bigint> =>
  waitFor(
    async () => {
      const c = await committedOffset(kafka, groupId, topic, at.partition);
      return c > at.offset && c;
    },
    { timeoutMs, intervalMs: 100, what: `group ${groupId} to commit past ${at.partition}:${at.offset}` },
  );

/** Sets where a group without members resumes, on every partition of a topic. */
export async function setGroupOffsets(kafka: Kafka, groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void> {
  await commitGroupOffsets(
    kafka,
    groupId,
    topic,
    [...offsets].map(([partition, o]) => ({ partition, offset: String(o) })),
  );
}

/** A message a publisher sent, as the tests see it. */
export interface Sent {
  topic: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * A publisher that records, by key, what it sent through `inner`: it tells the messages a
 * consumer published from those that other consumers of the shared topics published.
 */
export function recordingPublisher(inner: Publisher): Publisher & { sent(key: string): Sent[] } {
  const byKey = new Map<string, Sent[]>();
  return {
    connect: () => inner.connect(),
    disconnect: () => inner.disconnect(),
    publish: async (topic, messages) => {
      await inner.publish(topic, messages);
      for (const m of messages) {
        const key = m.key?.toString() ?? '';
        const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v.toString()]));
        byKey.set(key, [...(byKey.get(key) ?? []), { topic, value: m.value.toString(), headers }]);
      }
    },
    sent: (key) => byKey.get(key) ?? [],
  };
}
