import { type MikroORM, openOrm } from '@cpt/persistence';
import { createLogger } from '@cpt/platform';
import { testDatabaseUrl } from '@cpt/testkit';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';

/** A gateway built on the test database, with probes that report what the tests choose. */
export async function startGateway(): Promise<{ app: FastifyInstance; orm: MikroORM; close: () => Promise<void> }> {
  const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 25 });
  const app = await buildApp({
    log: createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    em: orm.em,
    probes: { database: async () => true, kafka: async () => true },
  });
  await app.ready();
  return {
    app,
    orm,
    close: async () => {
      await app.close();
      await orm.close();
    },
  };
}

/** A symbol no other test uses, so that marks in one test never touch another's positions. */
export const uniqueSymbol = (prefix = 'T'): string => `${prefix}${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
