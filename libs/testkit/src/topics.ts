import { createKafka, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';

/** Creates the contract's topics when they are missing (the local scripts create them too). */
export async function ensureTopics(brokers: string[], partitions = 6): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'test-setup' }, createLogger('test-setup', 'fatal'));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(TOPICS).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    }
    // A fresh broker creates its transaction log (__transaction_state, 50 partitions) when the first
    // transactional producer asks for a coordinator, which takes seconds: done here, once, so that
    // no test's deadline pays for it.
    const producer = kafka.producer({ transactionalId: `test-setup-${process.pid}`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const tx = await producer.transaction();
      await tx.abort();
    } finally {
      await producer.disconnect();
    }
    // Likewise the group coordinators (__consumer_offsets, 50 partitions), created when the first
    // consumer group looks for its coordinator: the first test to start a consumer waited for them
    // within its own deadline. Finding this group's coordinator (kafkajs retries while the broker
    // answers that none is available yet) waits for them here.
    for (const deadline = Date.now() + 60_000; ; ) {
      try {
        await admin.fetchOffsets({ groupId: `test-setup-${process.pid}`, topics: [TOPICS.ticks] });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  } finally {
    await admin.disconnect();
  }
}
