import type { Kafka } from 'kafkajs';

/** Where a group resumes on one partition: the offset of the next message it reads. */
export interface GroupOffset {
  partition: number;
  offset: string;
}

/**
 * Commits where a consumer group resumes on partitions of a topic, while the group has no member
 * (refused otherwise, as kafkajs's `admin.setOffsets` refuses it): a member of the group joins with
 * every partition paused, commits the offsets under its generation when it starts to fetch, and
 * leaves, having read nothing.
 *
 * `admin.setOffsets` instead seeks and leaves at the member's first fetch, which kafkajs makes with
 * its default fetch wait: a fetch of paused partitions sleeps that long (5 s) before it returns,
 * so each call took 5 s more than its round trips; and on a cluster of several brokers the first
 * fetch to return is one broker's, whose seeks need not be those of the others.
 */
export async function commitGroupOffsets(kafka: Kafka, groupId: string, topic: string, partitions: readonly GroupOffset[]): Promise<void> {
  if (partitions.length === 0) throw new Error('commitGroupOffsets: no partitions');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const { state } = await consumer.describeGroup();
    if (state !== 'Empty' && state !== 'Dead') {
      throw new Error(`the consumer group ${groupId} must have no running member to take offsets (state: ${state})`);
    }
    await new Promise<void>((resolve, reject) => {
      let once = false;
      // The member runs from its first fetch on (kafkajs ignores a commit before): commit there.
      consumer.on(consumer.events.FETCH_START, () => {
        if (once) return;
        once = true;
        consumer
          .commitOffsets(partitions.map((p) => ({ topic, partition: p.partition, offset: p.offset })))
          .then(() => consumer.stop())
          .then(resolve, reject);
      });
      consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
      consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      // run() has created the member synchronously: it fetches nothing from the start.
      consumer.pause([{ topic }]);
    });
  } finally {
    await consumer.disconnect();
  }
}
