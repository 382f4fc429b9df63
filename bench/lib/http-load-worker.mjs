/**
 * An HTTP load generator on a worker thread (started by bench/lib/http-load.ts), so that a server
 * built in the benchmark's own process keeps its event loop to itself: the client reads its
 * answers on another thread. Plain JavaScript: a worker thread does not go through tsx.
 *
 * workerData, one of:
 * - `{ kind: 'get', urls, headers, seconds }`: sequential GETs for `seconds`, taking the URLs in
 *   turn, each over a kept-alive connection of its own (so one connection per server, one request
 *   at a time over all); answers `{ latencies: [ms, …] per URL (each from the request to the last
 *   byte), statuses }`.
 * - `{ kind: 'post', url, headers, bodies, clients }`: every body POSTed once, by `clients`
 *   concurrent loops over as many kept-alive connections; answers `{ seconds, statuses }`.
 * `statuses` counts the answers by status code.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

const job = workerData;
const statuses = {};

function once(url, agent, method, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...job.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request(url, { method, agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => {
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        resolve();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function get() {
  const agents = job.urls.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
  const latencies = job.urls.map(() => []);
  const end = performance.now() + job.seconds * 1000;
  for (let i = 0; performance.now() < end; i = (i + 1) % job.urls.length) {
    const t0 = performance.now();
    await once(job.urls[i], agents[i], 'GET');
    latencies[i].push(performance.now() - t0);
  }
  for (const a of agents) a.destroy();
  return { latencies, statuses };
}

async function post() {
  const agent = new Agent({ keepAlive: true, maxSockets: job.clients });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.clients }, async () => {
      while (next < job.bodies.length) await once(job.url, agent, 'POST', job.bodies[next++]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { seconds, statuses };
}

parentPort.postMessage(job.kind === 'get' ? await get() : await post());
