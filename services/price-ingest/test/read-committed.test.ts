import { randomUUID } from 'node:crypto';
import { waitFor } from '@cpt/testkit';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKafka } from './kafka-tap.js';

// The strict 503 of section 4 rests on consumers that never see an aborted transaction. kafkajs
// 2.2.4 opened only the first listed aborted transaction per message read, so a fetch that began
// inside two aborted transactions of two producers (two price-ingest instances, or a producer and
// the one that replaced it) delivered the second one's messages: ticks answered 503 were marked.
// patches/kafkajs+2.2.4.patch opens every aborted transaction that began at or before the message.
describe('consumers that read committed messages (kafkajs, patched)', () => {
  let kafka: Kafka;
  const topic = `read-committed-${randomUUID()}`;
  const producers: Producer[] = [];

  beforeAll(async () => {
    kafka = testKafka('read-committed-test');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const producer = async (transactionalId?: string): Promise<Producer> => {
    const p = kafka.producer(
      transactionalId ? { transactionalId, idempotent: true, maxInFlightRequests: 1 } : { allowAutoTopicCreation: false },
    );
    await p.connect();
    producers.push(p);
    return p;
  };

  it('skip the messages of every aborted transaction when a fetch begins inside several of them', async () => {
    const a = await (await producer(`rc-a-${randomUUID()}`)).transaction();
    const b = await (await producer(`rc-b-${randomUUID()}`)).transaction();
    // Offsets 0-3, interleaved: A1 B1 A2 B2; then both aborted (markers at 4 and 5).
    await a.send({ topic, messages: [{ key: 'k', value: 'A1' }] });
    await b.send({ topic, messages: [{ key: 'k', value: 'B1' }] });
    await a.send({ topic, messages: [{ key: 'k', value: 'A2' }] });
    await b.send({ topic, messages: [{ key: 'k', value: 'B2' }] });
    await a.abort();
    await b.abort();
    const c = await (await producer(`rc-c-${randomUUID()}`)).transaction();
    await c.send({ topic, messages: [{ key: 'k', value: 'C1' }] });
    await c.commit();

    const seen: { offset: string; value: string }[] = [];
    const consumer = kafka.consumer({ groupId: `rc-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    try {
      // From the end, so that nothing is read before the seek.
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ offset: message.offset, value: message.value?.toString() ?? '' });
        },
      });
      // The fetch begins at B2 (offset 3): inside A (from 0) and B (from 1), both aborted.
      consumer.seek({ topic, partition: 0, offset: '3' });
      await waitFor(() => seen.some((m) => m.value === 'C1'), { timeoutMs: 20_000, what: 'the committed message C1' });
    } finally {
      await consumer.disconnect();
    }
    expect(seen.map((m) => m.value)).toEqual(['C1']);
  });
});
