import { createPublisher } from '@cpt/messaging';
import { afterAll, describe, expect, it } from 'vitest';
import { endOffsets, freshTopic, testKafka } from './kafka.js';
import { testLog } from './support.js';

// The publisher the position service sends its events with, against the real broker.

const log = testLog();
const kafka = testKafka('position-test-publisher');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe('the publisher', () => {
  it('takes longer than its send timeout for a publish of many requests, as long as Kafka acknowledges them', async () => {
    const topic = await freshTopic(kafka, 'test.publisher');
    // One message a request, each waiting for the one before: the whole takes seconds, each request milliseconds.
    const publisher = createPublisher(kafka, log, { sendTimeoutMs: 1000, maxRequestBytes: 2048 });
    cleanups.push(() => publisher.disconnect());
    await publisher.connect();
    const messages = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i % 7}`, value: `${i}:${'x'.repeat(1500)}` }));
    const started = Date.now();
    await publisher.publish(topic, messages);
    const took = Date.now() - started;
    // What the test is about: the publish outlasted the timeout and was still acknowledged.
    expect(took).toBeGreaterThan(1000);
    expect((await endOffsets(kafka, topic)).get(0)).toBe(3000n);
  }, 120_000);
});
