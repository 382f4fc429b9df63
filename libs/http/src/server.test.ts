import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { createLogger } from '@cpt/platform';
import { describe, expect, it } from 'vitest';
import { createServer } from './server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const server = () => createServer({ log: createLogger('http-test', 'silent'), bodyLimit: 1024 });

describe('createServer answers every failure in the contract’s shape', () => {
  it('answers a route that throws something unknown with 500 internal, revealing nothing', async () => {
    const app = server();
    app.get('/boom', async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432');
    });
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect([res.statusCode, res.json()]).toEqual([500, { error: { code: 'internal', message: 'internal error' } }]);
    expect(res.headers['x-request-id']).toMatch(UUID);
    await app.close();
  });

  it('answers a malformed URL through fastify’s frameworkErrors, with the caller’s request id', async () => {
    const app = server();
    app.get('/campaigns/:id', async () => ({}));
    const res = await app.inject({ method: 'GET', url: '/campaigns/%ff', headers: { 'x-request-id': 'trace-1' } });
    expect([res.statusCode, res.json().error.code, res.headers['x-request-id']]).toEqual([400, 'bad_request', 'trace-1']);
    expect(res.body).not.toContain('%ff');
    await app.close();
  });

  it('tells a wrong method (405, Allow) from an unknown path (404)', async () => {
    const app = server();
    app.get('/things', async () => []);
    app.post('/things', async () => ({}));
    app.route({ method: ['PUT', 'DELETE'], url: '/things/:id', handler: async () => ({}) });
    const wrong = await app.inject({ method: 'PATCH', url: '/things?x=1' });
    expect([wrong.statusCode, wrong.headers.allow, wrong.json().error.code]).toEqual([405, 'GET, HEAD, POST', 'bad_request']);
    const byId = await app.inject({ method: 'GET', url: '/things/7/' });
    expect([byId.statusCode, byId.headers.allow]).toEqual([405, 'DELETE, PUT']);
    const unknown = await app.inject({ method: 'PATCH', url: '/other' });
    expect([unknown.statusCode, unknown.headers.allow, unknown.json().error.code]).toEqual([404, undefined, 'not_found']);
    await app.close();
  });

  it('answers a request that arrives while the server closes with 503 unavailable, not fastify’s own body', async () => {
    const app = server();
    let entered!: () => void;
    const slowEntered = new Promise<void>((r) => {
      entered = r;
    });
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    app.get('/slow', async () => {
      entered();
      await released;
      return { ok: true };
    });
    let preClosed!: () => void;
    const closing = new Promise<void>((r) => {
      preClosed = r;
    });
    app.addHook('preClose', async () => preClosed());
    let lateAnswered!: () => void;
    const answered = new Promise<void>((r) => {
      lateAnswered = r;
    });
    app.addHook('onSend', async (req) => {
      if (req.id === 'trace-late') lateAnswered();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const socket = connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await slowEntered;
    // The connection is busy, so closing keeps it open; a request sent on it now arrives while closing.
    const closed = app.close();
    await closing;
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\nx-request-id: trace-late\r\n\r\n');
    await answered;
    release();
    await ended;
    await closed;
    const text = Buffer.concat(chunks).toString('utf8');
    const second = text.slice(text.indexOf('HTTP/1.1', 1));
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\nx-request-id: trace-late\r\n/i);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'unavailable', message: 'the service is shutting down' },
    });
  });
});
