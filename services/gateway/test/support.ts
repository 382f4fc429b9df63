import { type DatabaseOptions, MikroORM, openOrm, ormOptions } from '@cpt/application';
import type { Probe } from '@cpt/http';
import { createLogger } from '@cpt/platform';
import { testDatabaseUrl } from '@cpt/testkit';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';

export interface GatewayOptions {
  /** Readiness probes; by default every probe answers up. */
  probes?: Record<string, Probe> | ((orm: MikroORM) => Record<string, Probe>);
  /** A database to use instead of the test database; it need not be reachable. */
  databaseUrl?: string;
  connectTimeoutMs?: number;
  bodyLimit?: number;
  accepting?: () => boolean;
}

export interface Gateway {
  app: FastifyInstance;
  orm: MikroORM;
  close: () => Promise<void>;
}

/** A gateway built on the test database, with probes that report what the tests choose. */
export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const db: DatabaseOptions = {
    url: opts.databaseUrl ?? testDatabaseUrl(),
    poolMax: 25,
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
  };
  // `openOrm` connects (and checks the database exists) before it returns, so a database that
  // cannot be reached is opened lazily: the first query is the first connection attempt.
  const orm = opts.databaseUrl === undefined ? await openOrm(db) : await MikroORM.init({ ...ormOptions(db), connect: false });
  const probes = typeof opts.probes === 'function' ? opts.probes(orm) : opts.probes;
  const app = await buildApp({
    log: createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    em: orm.em,
    probes: probes ?? { database: async () => true, kafka: async () => true },
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
    ...(opts.accepting === undefined ? {} : { accepting: opts.accepting }),
  });
  await app.ready();
  return {
    app,
    orm,
    close: async () => {
      await app.close();
      await orm.close(true);
    },
  };
}

/** A symbol no other test uses, so that marks in one test never touch another's positions. */
export const uniqueSymbol = (prefix = 'T'): string => `${prefix}${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
