/**
 * The cost of authentication: the gateway's and price-ingest's apps built in this process
 * (`buildApp`, as their `main.ts` builds them) twice, listening on loopback side by side:
 * - with keys: the real verifier (`createKeyVerifier` over the bench database, the HMAC hasher
 *   under the services' secret, the 5 s verdict cache of production);
 * - without: a verifier that answers a fixed caller (the benchmark key's) without hashing the key
 *   or reading the database.
 * Everything else is the same: the edge (helmet, CORS, the authentication hook that reads the
 * `Authorization` header, the rate limiter, raised out of reach), the routes, the database, Kafka.
 * There is no switch that turns authentication off in the services; this stage is the "without".
 *
 * Measured, the clients on a worker thread (so that the apps keep this event loop to themselves),
 * over real HTTP, the two apps taking turns so that a change in the machine's load (other work
 * shares it) weighs on both alike:
 * - `GET /api/v1/campaigns/{id}/positions` of a campaign of 1,000 positions, p50 and p99: one
 *   client sends one request at a time, to each app in turn, over one connection to each;
 * - `POST /api/v1/ticks` throughput, JSON arrays of 100 and of 1,000 from the ingest stage's
 *   concurrent clients, in turns of 20,000 ticks (with, without, without, with, …).
 * And the key check alone, in-process: what the hook awaits per request.
 */

import { performance } from 'node:perf_hooks';
import { createKeyHasher, createKeyVerifier, type KeyVerifier, openOrm } from '@cpt/application';
import { createKafka, createPublisher } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';
import { TEST_API_KEY_SECRET } from '../libs/testkit/src/access.js';
import { buildApp as buildGateway } from '../services/gateway/src/app.js';
import { buildApp as buildIngest } from '../services/price-ingest/src/app.js';
import { percentiles, progress } from './lib/bench-env.js';
import type { BenchContext } from './lib/context.js';
import { expectStatus, postInTurns, timedGets } from './lib/http-load.js';
import { tickStream } from './lib/ticks.js';

const MODES = ['with keys', 'without'] as const;
type Mode = (typeof MODES)[number];
/** Ticks a turn of the throughput measurement posts to one app before the other app's turn. */
const TURN_TICKS = 20_000;
const BASELINE = 'the same app, a verifier answering a fixed caller (no hash, no query)';
const RATE_MAX = 1_000_000_000;

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

export async function authStage(ctx: BenchContext, campaignId: string): Promise<void> {
  const { opts } = ctx;
  const log = createLogger('bench-auth', 'silent');
  // The gateway's own pool, as its process would have (DATABASE_POOL_MAX's default).
  const orm = await openOrm({ url: ctx.databaseUrl, poolMax: 10 });
  const kafka = createKafka({ brokers: ctx.brokers, clientId: 'bench-auth', requestTimeoutMs: 5000 }, log);
  const publisher = createPublisher(kafka, log, { sendTimeoutMs: 5000 });
  await publisher.connect();
  const hasher = createKeyHasher(TEST_API_KEY_SECRET);
  const caller = ctx.key.caller;
  const fixed: KeyVerifier = {
    verify: async () => caller,
    stillValid: async (ids) => new Set(ids),
    flush: async () => undefined,
    close: async () => undefined,
  };
  const verifiers: Record<Mode, KeyVerifier> = {
    'with keys': createKeyVerifier({ em: orm.em, hasher, cacheMs: 5000 }),
    without: fixed,
  };
  const apps: FastifyInstance[] = [];
  const urls = {} as Record<Mode, { gateway: string; ingest: string }>;
  try {
    for (const mode of MODES) {
      const keys = verifiers[mode];
      const access = { corsOrigins: [], rateMax: RATE_MAX, rateWindowMs: 1000 };
      const gateway = await buildGateway({
        log,
        em: orm.em,
        probes: { database: async () => true },
        access: { ...access, keys, hasher },
      });
      const ingest = await buildIngest({
        log,
        publisher,
        probes: { kafka: async () => true },
        access: { ...access, verify: (key) => keys.verify(key) },
      });
      apps.push(gateway, ingest);
      urls[mode] = { gateway: await listen(gateway), ingest: await listen(ingest) };
    }
    const headers = ctx.key.headers;
    const details: Record<string, unknown> = {};

    // The key check alone, in this process: what the hook awaits for every request (the verdict cached).
    const calls = 100_000;
    const perCall: Record<Mode, number> = { 'with keys': 0, without: 0 };
    for (const mode of MODES) {
      for (let i = 0; i < 1000; i++) await verifiers[mode].verify(ctx.key.key);
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) await verifiers[mode].verify(ctx.key.key);
      perCall[mode] = ((performance.now() - t0) * 1000) / calls;
    }
    details.verifyMicroseconds = perCall;
    ctx.figures.push({
      stage: 'auth',
      name: 'the key check alone, per request (in-process, verdict cached)',
      value: perCall['with keys'],
      unit: 'µs',
      note: `HMAC-SHA256 of the key and the cache; the fixed caller ${perCall.without.toFixed(2)} µs`,
    });

    // GET …/positions: one client, one request at a time, to each app in turn over its own connection.
    const path = `/api/v1/campaigns/${campaignId}/positions`;
    const gets = MODES.map((m) => `${urls[m].gateway}${path}`);
    const w = await timedGets(gets, headers, opts.quick ? 1 : 2);
    expectStatus(`GET ${path}`, w.statuses, 200);
    progress(`auth: GET …/positions of 1,000 positions, with keys and without in turn, ${opts.authSeconds} s each`);
    const r = await timedGets(gets, headers, 2 * opts.authSeconds);
    expectStatus(`GET ${path}`, r.statuses, 200);
    const get = {
      'with keys': percentiles(r.latencies[0] ?? [], [50, 90, 99]),
      without: percentiles(r.latencies[1] ?? [], [50, 90, 99]),
    };
    details.positions = { campaignPositions: 1000, seconds: 2 * opts.authSeconds, latencyMs: get };
    for (const p of ['p50', 'p99'] as const) {
      ctx.figures.push({
        stage: 'auth',
        name: `GET …/positions ${p}, 1,000 positions, 1 connection, with keys`,
        value: get['with keys'][p] ?? Number.NaN,
        unit: 'ms',
        baseline: { name: BASELINE, value: get.without[p] ?? Number.NaN },
        ...(p === 'p50' ? { note: `${get['with keys'].n} and ${get.without.n} requests, in turn` } : {}),
      });
    }
    progress(
      `auth: GET …/positions p50 ${get['with keys'].p50?.toFixed(2)} / p99 ${get['with keys'].p99?.toFixed(2)} ms with keys; ${get.without.p50?.toFixed(2)} / ${get.without.p99?.toFixed(2)} ms without`,
    );

    // POST /api/v1/ticks, JSON arrays of 100 and of 1,000: turns of TURN_TICKS, with and without
    // alternating (ABBA), so that a change in the machine's load weighs on both alike.
    const next = tickStream(opts.symbols, opts.seed + 5);
    for (const perRequest of [100, 1000]) {
      const body = () => JSON.stringify(next(perRequest));
      const perTurn = Math.max(opts.ingestClients, Math.round(TURN_TICKS / perRequest));
      const turns = Math.max(2, Math.round(opts.ingestTicks / (perTurn * perRequest)));
      progress(
        `auth: POST /api/v1/ticks, arrays of ${perRequest}, ${opts.ingestClients} clients, ${turns} turns of ${perTurn} requests each, with keys and without`,
      );
      const ingestUrls = { 'with keys': `${urls['with keys'].ingest}/api/v1/ticks`, without: `${urls.without.ingest}/api/v1/ticks` };
      const spent = await postInTurns(MODES, ingestUrls, headers, { body, perRequest, perTurn, turns, clients: opts.ingestClients });
      const rate = (m: Mode) => spent[m].ticks / spent[m].seconds;
      const label = `JSON arrays of ${perRequest.toLocaleString('en-US')}`;
      details[`ticks ${perRequest}`] = {
        perTurn,
        turns,
        ...spent,
        withKeysTicksPerSecond: rate('with keys'),
        withoutTicksPerSecond: rate('without'),
      };
      ctx.figures.push({
        stage: 'auth',
        name: `POST /api/v1/ticks, ${label}, ${opts.ingestClients} clients, with keys`,
        value: rate('with keys'),
        unit: 'ticks/s',
        baseline: { name: BASELINE, value: rate('without') },
        note: `${(spent['with keys'].ticks).toLocaleString('en-US')} ticks each, in ${turns} turns`,
      });
      progress(`auth: ticks, ${label}: ${Math.round(rate('with keys'))} ticks/s with keys, ${Math.round(rate('without'))} without`);
    }
    ctx.details.auth = details;
  } finally {
    for (const app of apps) await app.close();
    await verifiers['with keys'].close();
    await publisher.disconnect();
    await orm.close(true);
  }
}
