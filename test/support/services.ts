import { launchService, type RunningService, type ServiceName, testDatabaseUrl, testKafkaBrokers } from '@cpt/testkit';

export { freePort } from '@cpt/testkit';
export type { RunningService, ServiceName };

/** Starts a built service as its own process against the test database and Kafka. */
export function startService(name: ServiceName, env: Record<string, string> = {}, readyTimeoutMs = 60_000): Promise<RunningService> {
  return launchService(name, { databaseUrl: testDatabaseUrl(), kafkaBrokers: testKafkaBrokers(), env, readyTimeoutMs });
}
