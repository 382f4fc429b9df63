import { createServer, type Server, type Socket } from 'node:net';
import { databaseProbe } from '@cpt/application';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, closeCampaign, closePosition, expectError, get, moveStop, patch, post, type Res } from './api.js';
import { type Gateway, startGateway } from './support.js';

// Nothing listens on port 1: every connection attempt is refused.
const NOWHERE = 'postgres://campaigns:campaigns@127.0.0.1:1/campaigns_test';
const ID = '5d1c4a8e-7a43-4c0e-9a36-8c2b3e1f0a77';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ databaseUrl: NOWHERE, connectTimeoutMs: 500, probes: (orm) => ({ database: databaseProbe(orm, 1000) }) });
});
afterAll(async () => gw.close());

/** Runs a request and asserts a prompt 503 whose message reveals nothing internal. */
async function expectUnavailable(send: () => Promise<Res>) {
  const started = Date.now();
  const res = await send();
  expect(Date.now() - started).toBeLessThan(5000);
  const error = expectError(res, 503, 'unavailable');
  expect(error.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|:1\b|postgres|campaigns_test|knex|mikro|connect /i);
  expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);
  expect(res.headers['x-request-id']).toEqual(expect.any(String));
}

describe('PostgreSQL unreachable', () => {
  it.each([
    ['POST /api/v1/campaigns', () => post(gw.app, '/api/v1/campaigns', { name: 'x', symbol: 'GBPUSD', timeframe: '1h' })],
    ['GET /api/v1/campaigns', () => get(gw.app, '/api/v1/campaigns')],
    ['GET /api/v1/campaigns/{id}', () => get(gw.app, `/api/v1/campaigns/${ID}`)],
    ['GET /api/v1/campaigns/{id}/positions', () => get(gw.app, `/api/v1/campaigns/${ID}/positions`)],
    [
      'POST /api/v1/campaigns/{id}/positions',
      () => addPosition(gw.app, ID, { pattern_type: 'SPRING', entry_price: '2', shares: '1', stop_loss: '1' }),
    ],
    ['PATCH /api/v1/campaigns/{id}', () => patch(gw.app, `/api/v1/campaigns/${ID}`, { auto_exit_on_stop: true })],
    ['POST /api/v1/campaigns/{id}/close', () => closeCampaign(gw.app, ID)],
    ['PATCH /api/v1/positions/{id}', () => moveStop(gw.app, ID, { stop_loss: '1' })],
    ['POST /api/v1/positions/{id}/close', () => closePosition(gw.app, ID, { exit_price: '1' })],
  ])('%s answers 503 unavailable promptly', async (_route, send) => {
    await expectUnavailable(send);
  });

  it('authenticates first: a key cannot be checked (503), a request without one is 401, whatever the body', async () => {
    await expectUnavailable(() => addPosition(gw.app, ID, { pattern_type: 'SPRING' }));
    expectError(await addPosition(gw.app, ID, { pattern_type: 'SPRING' }, { authorization: '' }), 401, 'unauthenticated');
  });

  it('reports not ready with the database down', async () => {
    const error = expectError(await get(gw.app, '/health/ready'), 503, 'unavailable');
    expect(error.details).toEqual({ checks: { database: 'down' } });
    expect((await get(gw.app, '/health/live')).statusCode).toBe(200);
  });
});

describe('PostgreSQL accepting connections but never answering', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let hung: Gateway;
  beforeAll(async () => {
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    hung = await startGateway({ databaseUrl: `postgres://campaigns:campaigns@127.0.0.1:${port}/campaigns_test`, connectTimeoutMs: 500 });
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await hung.close();
    await new Promise((done) => silent.close(done));
  });

  it('answers commands and reads 503 unavailable within a few seconds', async () => {
    await expectUnavailable(() => post(hung.app, '/api/v1/campaigns', { name: 'x', symbol: 'GBPUSD', timeframe: '1h' }));
    await expectUnavailable(() => get(hung.app, `/api/v1/campaigns/${ID}/positions`));
  });
});
