/**
 * Latency figures of sequential and concurrent HTTP requests against a real server, the client on
 * a worker thread, and the scratch database the latency benchmarks run on.
 */
import { Worker } from 'node:worker_threads';
import { type MikroORM, migrate, openOrm } from '@cpt/application';
import { createLogger } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { testKeyHasher, testKeyVerifier } from '../../libs/testkit/src/access.js';
import { buildApp } from '../../services/gateway/src/app.js';

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  perSecond: number;
}

export function stats(latencies: number[], elapsedMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return {
    n: sorted.length,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: sorted.at(-1) ?? Number.NaN,
    perSecond: (sorted.length / elapsedMs) * 1000,
  };
}

const ms = (x: number) => x.toFixed(2).padStart(8);
export const line = (label: string, s: Stats) =>
  `${label.padEnd(34)} n=${String(s.n).padStart(4)}  p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  max ${ms(s.max)}  ${s.perSecond.toFixed(0).padStart(6)} req/s`;

/** Creates the database when it does not exist, then empties it and applies the migrations. */
export async function prepareDatabase(url: string): Promise<MikroORM> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/bench/i.test(name)) throw new Error(`refusing to wipe database "${name}": name a scratch database whose name contains "bench"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const orm = await openOrm({ url, poolMax: 20 });
  await orm.em.fork().execute('drop schema if exists public cascade; create schema public;', [], 'run');
  await migrate(orm);
  return orm;
}

/**
 * The HTTP client, on its own thread so that reading the responses does not queue behind the
 * gateway on one event loop: `clients` loops share `n` sequential GETs after a warm-up.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, headers, n, clients, warmup } = workerData;
async function once() {
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  const body = await res.arrayBuffer();
  const t = performance.now() - t0;
  if (res.status !== 200) throw new Error('GET ' + url + ': ' + res.status + ' ' + Buffer.from(body).toString('utf8').slice(0, 200));
  return t;
}
(async () => {
  for (let i = 0; i < warmup; i++) await once();
  const latencies = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => { while (next++ < n) latencies.push(await once()); }));
  parentPort.postMessage({ latencies, elapsed: performance.now() - t0 });
})();
`;

export function httpClients(url: string, headers: Record<string, string>, n: number, clients: number, warmup: number): Promise<Stats> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { url, headers, n, clients, warmup } });
    worker.once('message', (m: { latencies: number[]; elapsed: number }) => resolve(stats(m.latencies, m.elapsed)));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the HTTP client exited with ${code}`));
    });
  });
}

/**
 * The gateway in this process on a port of its own, with the services' key verifier (production's
 * 5 s cache) and hasher and a rate limit no run reaches; `base` is its origin.
 */
export async function benchGateway(orm: MikroORM): Promise<{ app: FastifyInstance; base: string; close: () => Promise<void> }> {
  const keys = testKeyVerifier(orm, 5000);
  const app = await buildApp({
    log: createLogger('bench', 'silent'),
    em: orm.em,
    probes: { database: async () => true, kafka: async () => true },
    access: { keys, hasher: testKeyHasher, corsOrigins: [], rateMax: 1_000_000_000, rateWindowMs: 1000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    app,
    base: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await app.close();
      await keys.close();
    },
  };
}
