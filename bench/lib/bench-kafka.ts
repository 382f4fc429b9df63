import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createKafka, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import type { Admin, Kafka } from 'kafkajs';
import { repoRoot } from '../../libs/testkit/src/infra.js';

/**
 * A Kafka broker of the benchmark's own (`deploy/local/kafka.sh` with another port and data
 * directory), started when it is not running and left running like the local infrastructure.
 * A run writes millions of ticks; on the shared broker they would stay in `market.ticks` and
 * every new consumer group of the tests would read through them.
 */
export async function benchKafka(port: number): Promise<string[]> {
  const root = repoRoot();
  if (await answers(port)) return [`127.0.0.1:${port}`];
  execFileSync(join(root, 'deploy/local/kafka.sh'), ['start'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(port + 1),
      KAFKA_DATA_DIR: join(root, '.run/kafka-bench'),
    },
  });
  return [`127.0.0.1:${port}`];
}

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/** The kafkajs client of the benchmark itself, quiet. */
export const benchKafkaClient = (brokers: readonly string[], clientId = 'bench'): Kafka =>
  createKafka({ brokers, clientId, requestTimeoutMs: 30_000 }, createLogger('bench', 'fatal'));

/** Deletes and re-creates the contract's topics, so that a run starts from empty topics. */
export async function recreateTopics(kafka: Kafka, partitions = 6): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = Object.values(TOPICS);
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 30_000 });
    // Deletion completes in the background; creation fails until it has.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        });
        const now = new Set(await admin.listTopics());
        if (topics.every((t) => now.has(t))) break;
      } catch (err) {
        if (attempt > 60) throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await admin.disconnect();
  }
}

/** The end offset of each partition of a topic. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
}

/** Sets a (not yet running) consumer group's offsets, so that it starts exactly there. */
export async function setGroupOffsets(admin: Admin, groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void> {
  await admin.setOffsets({
    groupId,
    topic,
    partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })),
  });
}

/** The broker's version, from the jar the local scripts resolved. */
export function kafkaVersion(): string {
  try {
    const jars = execFileSync('ls', [join(repoRoot(), '.cache/kafka/lib')], { encoding: 'utf8' });
    return /kafka_2\.13-([\w.-]+)\.jar/.exec(jars)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
