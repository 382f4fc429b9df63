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

const send = (topic: string, ...values: string[]) =>
  producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });

interface Call {
  values: string[];
}

/** A consumer of `topic` in a group of its own that records each call of its handler. */
async function recording(
  topic: string,
  opts: { handle?: (call: number) => Promise<void>; sessionTimeoutMs?: number },
): Promise<{ calls: Call[]; groupId: string }> {
  const calls: Call[] = [];
  const groupId = `position-test-batch-${randomUUID()}`;
  consumer = createBatchConsumer<string>({
    kafka,
    log,
    groupId,
    topic,
    deadLetterTopic: `${topic}.dlq`,
    deadLetters,
    sessionTimeoutMs: opts.sessionTimeoutMs ?? 10_000,
    fromBeginning: true,
    decode: (m) => m.value?.toString() ?? '',
    handle: async (items: Decoded<string>[]) => {
      calls.push({ values: items.map((i) => i.value) });
      await opts.handle?.(calls.length);
    },
  });
  await consumer.start();
  return { calls, groupId };
}

describe('the batch consumer', () => {
  it('heartbeats through a batch that takes longer than the session timeout: the batch is handled once', async () => {
    const topic = await freshTopic(kafka, 'test.batch-consumer');
    await send(topic, 'a', 'b', 'c');
    // The broker's least session timeout; the first batch takes half as long again.
    const { calls, groupId } = await recording(topic, {
      sessionTimeoutMs: 6000,
      handle: (call) => (call === 1 ? new Promise((resolve) => setTimeout(resolve, 9000)) : Promise.resolve()),
    });
    await waitFor(async () => (await committedOffset(kafka, groupId, topic, 0)) === 3n, {
      timeoutMs: 60_000,
      what: 'the group to commit offset 3',
    });
    // Had the group dropped the member meanwhile, the batch would have been fetched and handled again.
    expect(calls.map((c) => c.values)).toEqual([['a', 'b', 'c']]);
  }, 90_000);
});
