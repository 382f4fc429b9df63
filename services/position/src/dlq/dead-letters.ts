import { randomBytes } from 'node:crypto';
import { createPublisher, TOPICS, withDeadline } from '@cpt/messaging';
import type { Logger } from '@cpt/platform';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { type Address, type Bounds, formatAddress } from './dlq-address.js';

/** One message of `market.ticks.dlq`, as the marks consumer dead-lettered it. */
export interface DeadLetter extends Address {
  /** When it was dead-lettered (the record's timestamp). */
  time: Date;
  key: Buffer | null;
  value: Buffer;
  /** Its headers: the original message's (`x-request-id`), `error`, and where it came from (`original-*`). */
  headers: Record<string, Buffer>;
}

/** The headers the consumer adds when it dead-letters a message (batch-consumer.ts); a replay leaves them out. */
const DEAD_LETTER_HEADERS = new Set(['error', 'original-topic', 'original-partition', 'original-offset']);
/** Set on a replayed message: the dead letter it came from, `market.ticks.dlq:<partition>:<offset>`. */
export const REPLAYED_FROM_HEADER = 'replayed-from';

const headersOf = (m: KafkaMessage): Record<string, Buffer> =>
  Object.fromEntries(
    Object.entries(m.headers ?? {}).flatMap(([name, v]) => {
      const one = Array.isArray(v) ? v[0] : v;
      return one === undefined ? [] : [[name, Buffer.isBuffer(one) ? one : Buffer.from(one)]];
    }),
  );

/** The text of a header, or undefined. */
export const headerText = (letter: DeadLetter, name: string): string | undefined => letter.headers[name]?.toString('utf8');

/** Each partition's bounds (oldest kept offset, next offset) of a topic. */
export async function topicBounds(kafka: Kafka, topic: string): Promise<Map<number, Bounds>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads the messages of `topic` in `[from, to)` of each partition given (the others are not read),
 * through a consumer group of its own that commits nothing and is deleted afterwards, so that
 * reading never moves any service's offsets. Rejects when the messages are not all read within
 * `timeoutMs`.
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  bounds: ReadonlyMap<number, Bounds>,
  ranges: ReadonlyMap<number, { from: bigint; to: bigint }>,
  timeoutMs = 30_000,
): Promise<DeadLetter[]> {
  const wanted = [...ranges].filter(([p, r]) => bounds.has(p) && r.from < r.to);
  if (wanted.length === 0) return [];
  const reached = new Map(wanted.map(([p, r]) => [p, r.from]));
  const out: DeadLetter[] = [];
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const check = () => {
    if (wanted.every(([p, r]) => (reached.get(p) ?? 0n) >= r.to)) finish();
  };
  const groupId = `dlq-cli-${process.pid}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, retry: { retries: 3 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const r = ranges.get(batch.partition);
        if (r === undefined) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < r.from || offset >= r.to) continue;
          out.push({
            partition: batch.partition,
            offset,
            time: new Date(Number(m.timestamp)),
            key: m.key,
            value: m.value ?? Buffer.alloc(0),
            headers: headersOf(m),
          });
        }
        const next = BigInt(batch.lastOffset()) + 1n;
        if (next > (reached.get(batch.partition) ?? 0n)) reached.set(batch.partition, next);
        check();
      },
    });
    // Every partition is placed: the wanted ones at their range, the others at their end.
    for (const [partition, b] of bounds) {
      const r = ranges.get(partition);
      consumer.seek({ topic, partition, offset: String(r !== undefined && r.from < r.to ? r.from : b.high) });
    }
    await withDeadline(done, timeoutMs, `reading ${topic}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await deleteGroup(kafka, groupId);
  }
  return out.sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch {
    // A group that committed nothing may be gone already: nothing to clean.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Every dead letter the topic keeps, oldest first (by the time it was dead-lettered). */
export async function readAllDeadLetters(kafka: Kafka, bounds: ReadonlyMap<number, Bounds>): Promise<DeadLetter[]> {
  const ranges = new Map([...bounds].map(([p, b]) => [p, { from: b.low, to: b.high }]));
  const all = await readRanges(kafka, TOPICS.ticksDeadLetter, bounds, ranges, 120_000);
  return all.sort((a, b) => a.time.getTime() - b.time.getTime() || a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
}

/** The dead letter at an address (one the bounds hold). */
export async function readDeadLetter(kafka: Kafka, bounds: ReadonlyMap<number, Bounds>, at: Address): Promise<DeadLetter> {
  const [letter] = await readRanges(
    kafka,
    TOPICS.ticksDeadLetter,
    bounds,
    new Map([[at.partition, { from: at.offset, to: at.offset + 1n }]]),
  );
  if (letter === undefined) throw new Error(`no message at ${TOPICS.ticksDeadLetter} ${formatAddress(at)}`);
  return letter;
}

/**
 * The message a replay writes: the dead letter's key and value, and the original message's headers
 * (`x-request-id` among them) without those dead-lettering added, plus `replayed-from`.
 */
export function replayMessage(letter: DeadLetter): { key: Buffer | null; value: Buffer; headers: Record<string, Buffer | string> } {
  const headers: Record<string, Buffer | string> = Object.fromEntries(
    Object.entries(letter.headers).filter(([name]) => !DEAD_LETTER_HEADERS.has(name)),
  );
  headers[REPLAYED_FROM_HEADER] = `${TOPICS.ticksDeadLetter}:${formatAddress(letter)}`;
  return { key: letter.key, value: letter.value, headers };
}

/**
 * Publishes a dead letter again to `market.ticks`, with the publisher the services use (the same
 * partitioner, so the same key lands on the partition of its symbol), acknowledged by every
 * in-sync replica. The position service then handles it as any tick: a mark never moves backwards,
 * so a replayed old tick changes no newer mark.
 */
export async function replayDeadLetter(kafka: Kafka, log: Logger, letter: DeadLetter): Promise<void> {
  const origin = headerText(letter, 'original-topic');
  if (origin !== undefined && origin !== TOPICS.ticks) {
    throw new Error(`${TOPICS.ticksDeadLetter} ${formatAddress(letter)} came from ${origin}, not ${TOPICS.ticks}: not replayed`);
  }
  const publisher = createPublisher(kafka, log, { sendTimeoutMs: 15_000 });
  try {
    await publisher.connect();
    await publisher.publish(TOPICS.ticks, [replayMessage(letter)]);
  } finally {
    await publisher.disconnect();
  }
}
