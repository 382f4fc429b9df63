import { createLogger } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthRoutes } from './health.js';
import { createServer } from './server.js';

interface Line {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** A server with the health routes (and what `routes` adds), logging at `debug` into a list; its Kafka probe says what `state.up` says. */
async function probedServer(routes: (app: FastifyInstance) => void = () => undefined) {
  const lines: Line[] = [];
  const log = createLogger('health-test', 'debug', {
    hooks: {
      logMethod(args, _print, level) {
        const [first, second] = args as unknown[];
        const fields = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
        lines.push({ level: LEVELS[level] ?? String(level), msg: String(typeof first === 'string' ? first : second), fields });
      },
    },
  });
  const state = { up: false, accepting: true };
  const app = createServer({ log, bodyLimit: 1024 });
  await app.register(healthRoutes, {
    probes: { kafka: async () => state.up, database: async () => true },
    accepting: () => state.accepting,
  });
  routes(app);
  await app.ready();
  const probe = async (times = 1) => {
    const codes: number[] = [];
    for (let i = 0; i < times; i++) codes.push((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode);
    return codes;
  };
  const above = (level: 'info' | 'warn' | 'error') => lines.filter((l) => (RANK[l.level] ?? 0) >= (RANK[level] ?? 0));
  return { app, lines, state, probe, above };
}

// A drill logged 245 `error` lines "request failed" for the 503s of /health/ready while a service
// waited for Kafka: expected operation, logged as a failure, once per probe.
describe('the logs of readiness probes', () => {
  it('hold no error line for a service that is not ready, and one line per change of readiness', async () => {
    const { app, lines, state, probe, above } = await probedServer();
    expect(await probe(50)).toEqual(Array(50).fill(503));
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    // Starting: one line at info, naming what is down.
    expect(above('info').map((l) => [l.level, l.msg, l.fields.down])).toEqual([['info', 'not ready yet', ['kafka']]]);
    // Each probe still leaves a line, at debug.
    expect(lines.filter((l) => l.msg === 'probe answered' && l.fields.statusCode === 503)).toHaveLength(50);

    state.up = true;
    expect(await probe(10)).toEqual(Array(10).fill(200));
    state.up = false;
    expect(await probe(10)).toEqual(Array(10).fill(503));
    state.up = true;
    await probe(3);
    state.accepting = false;
    await probe(5);
    expect(above('info').map((l) => [l.level, l.msg])).toEqual([
      ['info', 'not ready yet'],
      ['info', 'ready'],
      ['warn', 'not ready'],
      ['info', 'ready'],
      ['info', 'not ready: shutting down'],
    ]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    await app.close();
  });

  it('leaves the other routes’ 5xx logged as errors', async () => {
    const { app, lines } = await probedServer((a) =>
      a.get('/boom', async () => {
        throw new Error('boom');
      }),
    );
    expect((await app.inject({ method: 'GET', url: '/boom' })).statusCode).toBe(500);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toContain('request failed');
    await app.close();
  });
});
