import { randomUUID } from 'node:crypto';
import { createKafka } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { type Admin, type Consumer, type Kafka, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { commitGroupOffsets } from '../src/group-offsets.js';

// The global setup of the testkit provides the brokers. The testkit depends on this package, so
// its tests cannot import it without a cycle in the project references; they declare the key.
declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
  }
}

/** Polls until `ok()` holds, failing after the deadline. */
async function waitFor(ok: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const kafka: Kafka = createKafka(
  { brokers: inject('kafkaBrokers'), clientId: 'messaging-test' },
  createLogger('messaging-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
);

describe('commitGroupOffsets', () => {
  let admin: Admin;
  let topic: string;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    topic = `messaging-test.group-offsets.${randomUUID()}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Five messages on each partition: m0 … m4.
    for (const partition of [0, 1, 2]) {
      await producer.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ partition, value: `p${partition}-m${i}` })) });
    }
    await producer.disconnect();
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await admin.disconnect();
  });

  const committed = async (groupId: string) =>
    (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions
      .map((p) => [p.partition, p.offset])
      .sort((a, b) => Number(a[0]) - Number(b[0]));

  it('commits the offsets of a new group on every partition, and a member of the group then reads from there', async () => {
    const groupId = `group-offsets-${randomUUID()}`;
    await commitGroupOffsets(kafka, groupId, topic, [
      { partition: 0, offset: '3' },
      { partition: 1, offset: '5' },
      { partition: 2, offset: '0' },
    ]);
    expect(await committed(groupId)).toEqual([
      [0, '3'],
      [1, '5'],
      [2, '0'],
    ]);
    // The helper's member has left: the group is empty, and a new member resumes at those offsets.
    expect((await admin.describeGroups([groupId])).groups[0]?.members).toEqual([]);
    const seen: string[] = [];
    const c = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topics: [topic], fromBeginning: true });
    await c.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) });
    await waitFor(() => seen.length >= 7, 'the group to read 7 messages');
    expect(seen.sort()).toEqual(['p0-m3', 'p0-m4', 'p2-m0', 'p2-m1', 'p2-m2', 'p2-m3', 'p2-m4']);
    await c.disconnect();
  });

  it('moves the offsets of a group without members', async () => {
    const groupId = `group-offsets-${randomUUID()}`;
    await commitGroupOffsets(kafka, groupId, topic, [{ partition: 1, offset: '1' }]);
    await commitGroupOffsets(kafka, groupId, topic, [{ partition: 1, offset: '4' }]);
    expect((await committed(groupId))?.find(([p]) => p === 1)).toEqual([1, '4']);
  });

  it('refuses a group that has a running member, and leaves its offsets as they were', async () => {
    const groupId = `group-offsets-${randomUUID()}`;
    await commitGroupOffsets(kafka, groupId, topic, [{ partition: 0, offset: '2' }]);
    const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    consumers.push(member);
    let joined = false;
    member.on(member.events.GROUP_JOIN, () => {
      joined = true;
    });
    await member.connect();
    await member.subscribe({ topics: [topic] });
    await member.run({ autoCommit: false, eachMessage: async () => undefined });
    await waitFor(() => joined, 'the member to join');
    await expect(commitGroupOffsets(kafka, groupId, topic, [{ partition: 0, offset: '4' }])).rejects.toThrow(/must have no running member/);
    expect((await committed(groupId))?.find(([p]) => p === 0)).toEqual([0, '2']);
  });
});
