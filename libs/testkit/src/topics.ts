import { createKafka, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';

/** Creates the contract's topics when they are missing (the local scripts create them too). */
export async function ensureTopics(brokers: string[], partitions = 6): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'test-setup' }, createLogger('test-setup', 'warn'));
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
  } finally {
    await admin.disconnect();
  }
}
