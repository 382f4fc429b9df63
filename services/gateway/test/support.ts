import { type DatabaseOptions, MikroORM, openOrm, ormOptions } from '@cpt/application';
import type { Probe } from '@cpt/http';
import { createLogger, type Logger } from '@cpt/platform';
import { createTestKey, type TestKey, testAccess, testDatabaseUrl } from '@cpt/testkit';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../src/app.js';

export interface GatewayOptions {
  /** Readiness probes; by default every probe answers up. */
  probes?: Record<string, Probe> | ((orm: MikroORM) => Record<string, Probe>);
  /** A database to use instead of the test database; it need not be reachable. */
  databaseUrl?: string;
  connectTimeoutMs?: number;
  bodyLimit?: number;
  accepting?: () => boolean;
  /** Requests a key may make per `rateWindowMs` (the tests' default is generous). */
  rateMax?: number;
  rateWindowMs?: number;
  /** Origins whose browser pages may call the API. */
  corsOrigins?: readonly string[];
  /** The dashboard's build to serve at `/` (none by default). */
  dashboardDir?: string;
  /** The gateway's logger; by default one at TEST_LOG_LEVEL (silent unless set). */
  log?: Logger;
  /** The bytes of rendered reads the gateway keeps (`READ_CACHE_BYTES`; the gateway's default unless set). */
  readCacheBytes?: number;
}

export interface Gateway {
  app: FastifyInstance;
  orm: MikroORM;
  /** The key `app.inject` presents unless a request sets its own `Authorization` (all four scopes, an account of its own). */
  key: TestKey;
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
  const access = testAccess(orm, {
    ...(opts.rateMax === undefined ? {} : { rateMax: opts.rateMax }),
    ...(opts.rateWindowMs === undefined ? {} : { rateWindowMs: opts.rateWindowMs }),
    ...(opts.corsOrigins === undefined ? {} : { corsOrigins: opts.corsOrigins }),
  });
  const app = await buildApp({
    log: opts.log ?? createLogger('gateway-test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    em: orm.em,
    access,
    probes: probes ?? { database: async () => true, kafka: async () => true },
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
    ...(opts.accepting === undefined ? {} : { accepting: opts.accepting }),
    ...(opts.dashboardDir === undefined ? {} : { dashboardDir: opts.dashboardDir }),
    ...(opts.readCacheBytes === undefined ? {} : { readCacheBytes: opts.readCacheBytes }),
  });
  await app.ready();
  // Each test gateway acts as one account; a request that sets its own Authorization (or removes
  // it with an empty value) is sent as it is.
  const key = opts.databaseUrl === undefined ? await createTestKey(orm) : NO_KEY;
  const inject = app.inject.bind(app);
  app.inject = ((o: InjectOptions) => inject({ ...o, headers: { ...key.headers, ...o.headers } })) as typeof app.inject;
  return {
    app,
    orm,
    key,
    close: async () => {
      await access.keys.close();
      await app.close();
      await orm.close(true);
    },
  };
}

/** For a gateway whose database cannot be reached: a well-formed key that nothing knows. */
const NO_KEY: TestKey = {
  key: `cpt_${'x'.repeat(43)}`,
  keyId: '00000000-0000-4000-8000-000000000000',
  accountId: '00000000-0000-4000-8000-000000000000',
  caller: { accountId: '00000000-0000-4000-8000-000000000000', keyId: '00000000-0000-4000-8000-000000000000', keyName: 'none', scopes: [] },
  headers: { authorization: `Bearer cpt_${'x'.repeat(43)}` },
};

/** A symbol no other test uses, so that marks in one test never touch another's positions. */
export const uniqueSymbol = (prefix = 'T'): string => `${prefix}${Math.random().toString(36).slice(2, 10).toUpperCase()}`;
