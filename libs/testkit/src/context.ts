import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    kafkaBrokers: string[];
    infraSource: 'env' | 'testcontainers' | 'local';
  }
}

/** The test database's URL, provided by the global setup. */
export const testDatabaseUrl = (): string => inject('databaseUrl');

/** The Kafka brokers the tests use, provided by the global setup. */
export const testKafkaBrokers = (): string[] => inject('kafkaBrokers');

/** How the infrastructure was found; only the project's own local services can be stopped by a test. */
export const testInfraSource = (): 'env' | 'testcontainers' | 'local' => inject('infraSource');
