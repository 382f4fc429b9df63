import { type MikroORM, openOrm } from '@cpt/application';
import type { Probe } from '@cpt/http';
import { createKafka, createTransactionalPublisher, type Publisher, processTransactionalId } from '@cpt/messaging';
import { createLogger, type MetricsRegistry } from '@cpt/platform';
import { createTestKey, type TestKey, testAccess, testDatabaseUrl, testKafkaBrokers } from '@cpt/testkit';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Kafka } from 'kafkajs';
import { buildApp } from '../src/app.js';

export type Res = LightMyRequestResponse;

const log = () => createLogger('price-ingest-test', process.env.TEST_LOG_LEVEL ?? 'silent');

export interface IngestOptions {
  /** Kafka brokers of the publisher; the test brokers by default. */
  brokers?: string[];
  sendTimeoutMs?: number;
  connectionTimeoutMs?: number;
  probes?: Record<string, Probe>;
  /** Requests a key may make per second (the tests' default is generous). */
  rateMax?: number;
  /** The publisher's kafkajs client (a gated one, say); one of the test brokers by default. */
  kafka?: Kafka;
  /** The registry of the app and its publisher, as main.ts shares one; the app makes its own by default. */
  metrics?: MetricsRegistry;
}

export interface Ingest {
  app: FastifyInstance;
  publisher: Publisher;
  orm: MikroORM;
  /** The key `app.inject` presents unless a request sets its own `Authorization` (all four scopes). */
  key: TestKey;
  close: () => Promise<void>;
}

/** price-ingest built in-process with a real (transactional) publisher, as main.ts builds it. */
export async function startIngest(opts: IngestOptions = {}): Promise<Ingest> {
  const logger = log();
  const sendTimeoutMs = opts.sendTimeoutMs ?? 10_000;
  const kafka =
    opts.kafka ??
    createKafka(
      {
        brokers: opts.brokers ?? testKafkaBrokers(),
        clientId: 'price-ingest-test',
        requestTimeoutMs: sendTimeoutMs,
        ...(opts.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: opts.connectionTimeoutMs }),
      },
      logger,
    );
  const publisher = createTransactionalPublisher(kafka, logger, {
    transactionalId: processTransactionalId('price-ingest-test'),
    sendTimeoutMs,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 4 });
  const access = testAccess(orm, opts.rateMax === undefined ? {} : { rateMax: opts.rateMax });
  const app = await buildApp({
    log: logger,
    publisher,
    access,
    probes: opts.probes ?? { kafka: async () => true },
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  await app.ready();
  const key = await createTestKey(orm);
  const inject = app.inject.bind(app);
  app.inject = ((o: InjectOptions) => inject({ ...o, headers: { ...key.headers, ...o.headers } })) as typeof app.inject;
  return {
    app,
    publisher,
    orm,
    key,
    close: async () => {
      await app.close();
      await access.keys.close();
      await orm.close(true);
      await publisher.disconnect();
    },
  };
}

/** A symbol no other test uses. */
export const uniqueSymbol = (prefix = 'T'): string => `${prefix}${Math.random().toString(36).slice(2, 10)}`.toUpperCase();

/** A valid tick of `symbol`, with whatever fields the test overrides. */
export const tick = (symbol: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  symbol,
  price: '1.25750000',
  ts: '2026-11-25T14:00:00.250Z',
  source: 'feed-a',
  ...overrides,
});

/** `n` ticks of `symbol` whose prices count up from 1, so their order can be checked. */
export const series = (symbol: string, n: number, from = 0): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) =>
    tick(symbol, { price: `${from + i + 1}.5`, ts: new Date(Date.UTC(2026, 10, 25, 14) + from + i).toISOString() }),
  );

/** POSTs ticks: an object is serialised, a string is sent exactly as written. */
export function postTicks(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return app.inject({ method: 'POST', url: '/api/v1/ticks', payload, headers: { 'content-type': 'application/json', ...headers } });
}
