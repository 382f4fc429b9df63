/**
 * The cost of section 4's strict 503 (a 503 means that nothing of the request was published):
 * price-ingest's app built in this process (`buildApp`, as its `main.ts` builds it) twice, listening
 * on loopback side by side, alike but for the publisher:
 * - strict: the service's own, `createTransactionalPublisher` (Kafka transactions, group commit,
 *   an outcome marker per transaction; consumers read committed messages only);
 * - without: `createPublisher`, the idempotent producer with the same acks (-1) and one request in
 *   flight, that price-ingest used before: a request answered 503 at its deadline may still have
 *   been written.
 * Both authenticate through a verifier that answers the benchmark key's caller (the auth stage
 * measures keys), so that only publishing differs. Measured: `POST /api/v1/ticks` ticks/s, JSON
 * arrays of 100 and of 1,000 from the ingest stage's concurrent clients, in turns of 20,000 ticks
 * (strict, without, without, strict, …), so that a change in the machine's load weighs on both alike.
 */

import type { KeyVerifier } from '@cpt/application';
import { createKafka, createPublisher, createTransactionalPublisher, type Publisher, processTransactionalId } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';
import { buildApp as buildIngest } from '../services/price-ingest/src/app.js';
import { progress } from './lib/bench-env.js';
import type { BenchContext } from './lib/context.js';
import { postInTurns } from './lib/http-load.js';
import { tickStream } from './lib/ticks.js';

const MODES = ['strict', 'without'] as const;
type Mode = (typeof MODES)[number];
const TURN_TICKS = 20_000;
const BASELINE = 'the same app publishing without transactions (idempotent, acks -1)';

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

export async function guaranteeStage(ctx: BenchContext): Promise<void> {
  const { opts } = ctx;
  const log = createLogger('bench-guarantee', 'silent');
  const kafka = createKafka({ brokers: ctx.brokers, clientId: 'bench-guarantee', requestTimeoutMs: 5000 }, log);
  const publishers: Record<Mode, Publisher> = {
    strict: createTransactionalPublisher(kafka, log, { sendTimeoutMs: 5000, transactionalId: processTransactionalId('bench-ingest') }),
    without: createPublisher(kafka, log, { sendTimeoutMs: 5000 }),
  };
  const caller = ctx.key.caller;
  const fixed: KeyVerifier = {
    verify: async () => caller,
    stillValid: async (ids) => new Set(ids),
    flush: async () => undefined,
    close: async () => undefined,
  };
  const apps: FastifyInstance[] = [];
  const urls = {} as Record<Mode, string>;
  try {
    for (const mode of MODES) {
      await publishers[mode].connect();
      const app = await buildIngest({
        log,
        publisher: publishers[mode],
        probes: { kafka: async () => true },
        access: { corsOrigins: [], rateMax: 1_000_000_000, rateWindowMs: 1000, verify: (key) => fixed.verify(key) },
      });
      apps.push(app);
      urls[mode] = `${await listen(app)}/api/v1/ticks`;
    }
    const headers = ctx.key.headers;
    const details: Record<string, unknown> = {};
    const next = tickStream(opts.symbols, opts.seed + 7);
    for (const perRequest of [100, 1000]) {
      const body = () => JSON.stringify(next(perRequest));
      const perTurn = Math.max(opts.ingestClients, Math.round(TURN_TICKS / perRequest));
      const turns = Math.max(2, Math.round(opts.ingestTicks / (perTurn * perRequest)));
      progress(
        `guarantee: POST /api/v1/ticks, arrays of ${perRequest}, ${opts.ingestClients} clients, ${turns} turns of ${perTurn} requests, strict and without`,
      );
      const spent = await postInTurns(MODES, urls, headers, { body, perRequest, perTurn, turns, clients: opts.ingestClients });
      const rate = (m: Mode) => spent[m].ticks / spent[m].seconds;
      const label = `JSON arrays of ${perRequest.toLocaleString('en-US')}`;
      details[`ticks ${perRequest}`] = {
        perTurn,
        turns,
        ...spent,
        strictTicksPerSecond: rate('strict'),
        withoutTicksPerSecond: rate('without'),
      };
      ctx.figures.push({
        stage: 'guarantee',
        name: `POST /api/v1/ticks, ${label}, ${opts.ingestClients} clients, strict 503 (transactions)`,
        value: rate('strict'),
        unit: 'ticks/s',
        baseline: { name: BASELINE, value: rate('without') },
        note: `${spent.strict.ticks.toLocaleString('en-US')} ticks each, in ${turns} turns`,
      });
      progress(`guarantee: ${label}: ${Math.round(rate('strict'))} ticks/s strict, ${Math.round(rate('without'))} without`);
    }
    ctx.details.guarantee = details;
  } finally {
    for (const app of apps) await app.close();
    for (const mode of MODES) await publishers[mode].disconnect();
  }
}
