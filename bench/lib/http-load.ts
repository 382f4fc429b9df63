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
