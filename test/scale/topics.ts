import type { Kafka } from 'kafkajs';

/** A message of a topic as read back. */
export interface Read {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  /** The record's timestamp (the producer's clock), epoch milliseconds. */
  timestamp: number;
}

/**
 * Reads a topic from its beginning up to the end offsets it had when the read started (read
 * committed, as the services' consumers read), through a consumer group of its own.
 */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 120_000): Promise<Read[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const out: Read[] = [];
  // The next offset to read of each partition; transaction markers take offsets that no message fills.
  const next = new Map<number, bigint>([...ends.keys()].map((p) => [p, 0n]));
  const consumer = kafka.consumer({ groupId: `scale-read-${topic}-${Date.now()}`, maxWaitTimeInMs: 200, maxBytesPerPartition: 4 << 20 });
  await consumer.connect();
  let lastProgress = Date.now();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          out.push({
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? null,
            value: m.value?.toString() ?? '',
            timestamp: Number(m.timestamp),
          });
        }
        const high = BigInt(batch.highWatermark);
        const reached = batch.messages.length > 0 ? BigInt(batch.lastOffset()) + 1n : high;
        next.set(batch.partition, reached > (next.get(batch.partition) ?? 0n) ? reached : (next.get(batch.partition) ?? 0n));
        lastProgress = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const done = [...ends].every(([p, end]) => (next.get(p) ?? 0n) >= end);
      // Transaction markers are never delivered: a partition that ends with some is done once nothing more comes.
      const idle = out.length > 0 && Date.now() - lastProgress > 5000;
      if (done || idle) break;
      if (Date.now() > deadline) {
        const where = [...ends].map(([p, end]) => `${p}: ${next.get(p)}/${end}`).join(', ');
        throw new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms (${where})`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect();
  }
  return out;
}
