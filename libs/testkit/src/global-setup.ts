import type { TestProject } from 'vitest/node';
import './context.js';
import { prepareDatabase } from './database.js';
import { resolveInfra, type TestInfra } from './infra.js';
import { ensureTopics } from './topics.js';

// Every project that needs infrastructure runs this setup, in the same process and possibly at the
// same time: the infrastructure is found, the database prepared (and emptied, at most once) and
// the topics created by the first one; the others share its outcome.
const shared = globalThis as { cptTestInfra?: Promise<TestInfra>; cptTestInfraUsers?: number };

async function startOnce(): Promise<TestInfra> {
  const infra = await resolveInfra();
  await Promise.all([prepareDatabase(infra.databaseUrl, process.env.TEST_DB_RESET === 'true'), ensureTopics(infra.kafkaBrokers)]);
  console.log(
    `test infrastructure: ${infra.source} (${infra.databaseUrl.replace(/\/\/[^@]*@/, '//')}, kafka ${infra.kafkaBrokers.join(',')})`,
  );
  return infra;
}

/** Vitest global setup of the suites that need PostgreSQL and Kafka. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.cptTestInfra ??= startOnce();
  shared.cptTestInfraUsers = (shared.cptTestInfraUsers ?? 0) + 1;
  const infra = await shared.cptTestInfra;
  project.provide('databaseUrl', infra.databaseUrl);
  project.provide('kafkaBrokers', infra.kafkaBrokers);
  project.provide('infraSource', infra.source);
  return async () => {
    // The last project to finish stops what the first one started.
    shared.cptTestInfraUsers = (shared.cptTestInfraUsers ?? 1) - 1;
    if (shared.cptTestInfraUsers === 0) await infra.stop();
  };
}
