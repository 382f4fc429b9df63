import { randomUUID } from 'node:crypto';
import { type BatchConsumer, createBatchConsumer, createPublisher, type Decoded } from '@cpt/messaging';
import { waitFor } from '@cpt/testkit';
import type { Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { committedOffset, freshTopic, testKafka, testProducer } from './kafka.js';
import { testLog } from './support.js';

// The batch consumer under the marks consumer, on a topic of its own (one partition), against the
// real broker: what a batch longer than the session timeout does to the group.

const log = testLog();
const kafka = testKafka('position-test-batch-consumer');
const deadLetters = createPublisher(kafka, log);
let producer: Producer;
let consumer: BatchConsumer | undefined;

beforeAll(async () => {
  producer = await testProducer(kafka);
});
afterEach(async () => {
  await consumer?.stop();
  consumer = undefined;
});
afterAll(async () => {
  await producer?.disconnect();
  await deadLetters.disconnect();
});

/** A consumer of `topic` in a group of its own, with the broker's least session timeout (6 s), whose first batch takes 9 s. */
async function slowFirstBatch(topic: string): Promise<{ batches: string[][]; groupId: string }> {
  const batches: string[][] = [];
  const groupId = `position-test-batch-${randomUUID()}`;
  consumer = createBatchConsumer<string>({
    kafka,
    log,
    groupId,
    topic,
    deadLetterTopic: `${topic}.dlq`,
    deadLetters,
    sessionTimeoutMs: 6000,
    fromBeginning: true,
    decode: (m) => m.value?.toString() ?? '',
    handle: async (items: Decoded<string>[]) => {
      batches.push(items.map((i) => i.value));
      if (batches.length === 1) await new Promise((resolve) => setTimeout(resolve, 9000));
    },
  });
  await consumer.start();
  return { batches, groupId };
}

describe('the batch consumer', () => {
  it('heartbeats through a batch that takes longer than the session timeout: the batch is handled once', async () => {
    const topic = await freshTopic(kafka, 'test.batch-consumer');
    await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((value) => ({ key: 'k', value })) });
    const { batches, groupId } = await slowFirstBatch(topic);
    await waitFor(async () => (await committedOffset(kafka, groupId, topic, 0)) === 3n, {
      timeoutMs: 60_000,
      what: 'the group to commit offset 3',
    });
    // Had the group dropped the member meanwhile, the batch would have been fetched and handled again.
    expect(batches).toEqual([['a', 'b', 'c']]);
  }, 90_000);
});
