import { Worker } from 'node:worker_threads';

/** What a load run answered: how many of each status code. */
export type Statuses = Record<string, number>;

function run<T>(job: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./http-load-worker.mjs', import.meta.url), { workerData: job });
    worker.once('message', (m: T) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the HTTP load worker exited with ${code}`));
    });
  });
}

/**
 * Sequential GETs for `seconds` from a worker thread, taking the URLs in turn, each over a
 * kept-alive connection of its own: each request's latency in ms (from sending it to the last
 * byte of the answer), per URL.
 */
export const timedGets = (urls: readonly string[], headers: Record<string, string>, seconds: number) =>
  run<{ latencies: number[][]; statuses: Statuses }>({ kind: 'get', urls, headers, seconds });

/** Every body POSTed once (JSON) by `clients` concurrent loops, from a worker thread; the seconds it took. */
export const timedPosts = (url: string, headers: Record<string, string>, bodies: readonly string[], clients: number) =>
  run<{ seconds: number; statuses: Statuses }>({ kind: 'post', url, headers, bodies, clients });

/** Throws unless every answer had the status expected. */
export function expectStatus(what: string, statuses: Statuses, expected: number): void {
  const other = Object.entries(statuses).filter(([s]) => Number(s) !== expected);
  if (other.length > 0) throw new Error(`${what}: answers other than ${expected}: ${JSON.stringify(statuses)}`);
}

/** Ticks posted and seconds spent for one app of {@link postInTurns}. */
export interface TurnsSpent {
  ticks: number;
  seconds: number;
  turnRates: number[];
}

/**
 * `POST /api/v1/ticks` to two apps in turns of `perTurn` requests of `perRequest` ticks each:
 * first a warm-up of two turns each, then A, B, B, A, A, B, … (`turns` each), so that a change in
 * the machine's load weighs on both alike. Every answer must be 202.
 */
export async function postInTurns<M extends string>(
  modes: readonly [M, M],
  urls: Record<M, string>,
  headers: Record<string, string>,
  opts: { body: () => string; perRequest: number; perTurn: number; turns: number; clients: number },
): Promise<Record<M, TurnsSpent>> {
  for (const mode of modes) {
    const warm = await timedPosts(urls[mode], headers, Array.from({ length: 2 * opts.perTurn }, opts.body), opts.clients);
    expectStatus(`POST /api/v1/ticks (${mode})`, warm.statuses, 202);
  }
  const spent = Object.fromEntries(modes.map((m) => [m, { ticks: 0, seconds: 0, turnRates: [] }])) as unknown as Record<M, TurnsSpent>;
  for (let t = 0; t < 2 * opts.turns; t++) {
    const mode = modes[(t + Math.floor(t / 2)) % 2] as M;
    const r = await timedPosts(urls[mode], headers, Array.from({ length: opts.perTurn }, opts.body), opts.clients);
    expectStatus(`POST /api/v1/ticks (${mode})`, r.statuses, 202);
    const ticks = opts.perTurn * opts.perRequest;
    spent[mode].ticks += ticks;
    spent[mode].seconds += r.seconds;
    spent[mode].turnRates.push(ticks / r.seconds);
  }
  return spent;
}
