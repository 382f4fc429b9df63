/**
 * What one request costs this machine's CPU when requests come apart, against back to back: the
 * cost every hop of the pipeline pays (a process woken by a socket, its event loop run, an answer
 * written), measured with nothing of the project in it.
 *
 * A Node.js HTTP server in a child process answers each POST of one tick's JSON with a 202 at once;
 * this process posts to it over one kept-alive connection, one request at a time, `--requests`
 * times for each gap between requests (0: the next request as soon as the answer arrives), and
 * reads both processes' CPU time (user and system) around each series.
 *
 *   npm run bench:wakeups -- [--requests 500] [--gaps 0,2,10]
 */
import { fork } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Cpu {
  user: number;
  system: number;
}

if (process.argv[2] === 'server') {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"accepted":1}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
  process.on('message', () => process.send?.(process.cpuUsage()));
} else {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '500' }, gaps: { type: 'string', default: '0,2,10' } },
  });
  const requests = Number(values.requests);
  const gaps = values.gaps.split(',').map(Number);
  if (!Number.isInteger(requests) || requests < 10 || gaps.some((g) => !Number.isInteger(g) || g < 0))
    throw new Error('--requests ≥ 10 and --gaps non-negative integers (ms)');

  const child = fork(fileURLToPath(import.meta.url), ['server'], { execArgv: process.execArgv });
  const next = <T>() => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));
  const serverCpu = async (): Promise<Cpu> => {
    const answer = next<Cpu>();
    child.send('cpu');
    return answer;
  };
  const port = await next<number>();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ symbol: 'GBPUSD', price: '1.25750000', ts: new Date().toISOString(), source: 'feed-a' });
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const used = (a: Cpu, b: Cpu) => b.user - a.user + b.system - a.system;

  for (let i = 0; i < 200; i++) await post();
  console.log('gap between requests | wall time a request | client CPU a request | server CPU a request | both');
  for (const gap of gaps) {
    const s0 = await serverCpu();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < requests; i++) {
      await post();
      if (gap > 0) await sleep(gap);
    }
    const wall = (performance.now() - t0) / requests;
    const client = used(c0, process.cpuUsage()) / requests;
    const server = used(s0, await serverCpu()) / requests;
    console.log(
      `${`${gap} ms`.padStart(20)} | ${`${wall.toFixed(2)} ms`.padStart(19)} | ${`${client.toFixed(0)} µs`.padStart(20)} | ${`${server.toFixed(0)} µs`.padStart(20)} | ${(client + server).toFixed(0)} µs`,
    );
  }
  agent.destroy();
  child.kill();
}
