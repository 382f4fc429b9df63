import type { TestProject } from 'vitest/node';
import './context.js';
import { prepareDatabase } from './database.js';
import { resolveInfra } from './infra.js';
import { ensureTopics } from './topics.js';

/** Vitest global setup of the suites that need PostgreSQL and Kafka. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const infra = await resolveInfra();
  await Promise.all([prepareDatabase(infra.databaseUrl, process.env.TEST_DB_RESET === 'true'), ensureTopics(infra.kafkaBrokers)]);
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('kafkaBrokers', infra.kafkaBrokers);
  project.provide('infraSource', infra.source);
  console.log(
    `test infrastructure: ${infra.source} (${infra.databaseUrl.replace(/\/\/[^@]*@/, '//')}, kafka ${infra.kafkaBrokers.join(',')})`,
  );
  return infra.stop;
}
