import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    kafkaBrokers: string[];
  }
}

/** The test database's URL, provided by the global setup. */
export const testDatabaseUrl = (): string => inject('databaseUrl');

/** The Kafka brokers the tests use, provided by the global setup. */
export const testKafkaBrokers = (): string[] => inject('kafkaBrokers');
