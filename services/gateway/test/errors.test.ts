import { maxHeaderSize } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectWireError, rawHttp } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, createCampaign, expectError, get, openPosition, positionsOf, post } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
let campaignId: string;
beforeAll(async () => {
  gw = await startGateway({ bodyLimit: 64 * 1024 });
  campaignId = (await createCampaign(gw.app, { symbol: uniqueSymbol() })).id;
});
afterAll(async () => gw.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const positionsUrl = () => `/api/v1/campaigns/${campaignId}/positions`;

describe('bad requests', () => {
  it.each([
    ['truncated JSON', '{"pattern_type": "SPRING", '],
    ['a trailing comma', '{"pattern_type": "SPRING",}'],
    ['single quotes', "{'pattern_type': 'SPRING'}"],
    ['NaN as a bare word', '{"entry_price": NaN}'],
    ['a duplicate key', '{"shares": "1", "shares": "2"}'],
    ['two documents', '{} {}'],
  ])('answers %s with 400 bad_request', async (_what, text) => {
    expectError(await addPosition(gw.app, campaignId, text), 400, 'bad_request');
  });

  it('answers an empty JSON body with 400 bad_request', async () => {
    expectError(await addPosition(gw.app, campaignId, ''), 400, 'bad_request');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'answers content type %s with 400 bad_request, even when the text is JSON',
    async (type) => {
      const payload = JSON.stringify({ pattern_type: 'SPRING', entry_price: '2', shares: '1', stop_loss: '1' });
      const res = await gw.app.inject({ method: 'POST', url: positionsUrl(), payload, headers: { 'content-type': type } });
      expectError(res, 400, 'bad_request');
      expect((await positionsOf(gw.app, campaignId)).positions).toEqual([]);
    },
  );

  it('answers a body shorter than its Content-Length with 400 bad_request', async () => {
    const payload = '{"name": "x", "symbol": "X", "timeframe": "1h"}';
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload,
      headers: { 'content-type': 'application/json', 'content-length': '3' },
    });
    expect(expectError(res, 400, 'bad_request').message).toMatch(/content-length/i);
  });

  it('accepts application/merge-patch+json for a stop move', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, { pattern_type: 'SPRING', entry_price: '2', shares: '1', stop_loss: '1' });
    const res = await gw.app.inject({
      method: 'PATCH',
      url: `/api/v1/positions/${p.id}`,
      payload: '{"stop_loss": "1.5"}',
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    expect([res.statusCode, res.json().stop_loss]).toEqual([200, '1.50000000']);
  });

  it('accepts application/json with a charset', async () => {
    const payload = JSON.stringify({ name: 'x', symbol: uniqueSymbol(), timeframe: '1h' });
    const res = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      payload,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.statusCode).toBe(201);
  });

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const res = await post(gw.app, '/api/v1/campaigns', { name: 'x'.repeat(70 * 1024), symbol: 'A', timeframe: '1h' });
    expectError(res, 413, 'payload_too_large');
  });
});

describe('not found', () => {
  it('answers an unknown campaign with 404 not_found on every campaign route', async () => {
    const id = '3f0c8f3a-2b7d-4c55-8d1e-5b9d2e7c6a10';
    expectError(await get(gw.app, `/api/v1/campaigns/${id}`), 404, 'not_found');
    expectError(await get(gw.app, `/api/v1/campaigns/${id}/positions`), 404, 'not_found');
    expectError(await addPosition(gw.app, id, { pattern_type: 'SPRING', entry_price: '2', shares: '1', stop_loss: '1' }), 404, 'not_found');
    expectError(await post(gw.app, `/api/v1/campaigns/${id}/close`), 404, 'not_found');
  });

  it('answers an unknown route with 404 not_found, whatever the method', async () => {
    expectError(await get(gw.app, '/api/v2/campaigns'), 404, 'not_found');
    expectError(await gw.app.inject({ method: 'DELETE', url: '/api/v2/campaigns' }), 404, 'not_found');
    expectError(await gw.app.inject({ method: 'POST', url: `/api/v1/campaigns/${campaignId}/positions/extra` }), 404, 'not_found');
  });

  it('does not echo the path it found no route for', async () => {
    const error = expectError(await get(gw.app, '/nowhere/%3Cscript%3E'), 404, 'not_found');
    expect(error.message).not.toMatch(/nowhere|script/);
  });
});

describe('method not allowed', () => {
  it.each([
    ['DELETE', '/api/v1/campaigns', 'GET, HEAD, POST'],
    ['PUT', '/api/v1/campaigns/', 'GET, HEAD, POST'],
    ['DELETE', '/api/v1/campaigns/{id}', 'GET, HEAD, PATCH'],
    ['GET', '/api/v1/campaigns/{id}/close', 'POST'],
    ['PUT', '/api/v1/positions/{id}', 'PATCH'],
    ['POST', '/health/live', 'GET, HEAD'],
  ] as const)('answers %s %s with 405 bad_request and Allow: %s', async (method, path, allow) => {
    const url = path.replace('{id}', campaignId);
    const res = await gw.app.inject({ method, url, headers: { 'x-request-id': 'trace-405' } });
    expectError(res, 405, 'bad_request');
    expect(res.headers.allow).toBe(allow);
    expect(res.headers['x-request-id']).toBe('trace-405');
  });
});

describe('requests the router or Node refuse before any route', () => {
  let port: number;
  beforeAll(async () => {
    await gw.app.listen({ host: '127.0.0.1', port: 0 });
    port = (gw.app.server.address() as AddressInfo).port;
  });

  // With the test key: past authentication, as a client with a key would be.
  const send = (requestLine: string, headers: string[] = []) =>
    rawHttp(
      port,
      [requestLine, 'Host: localhost', `Authorization: ${gw.key.headers.authorization}`, ...headers, 'Connection: close', '', ''].join(
        '\r\n',
      ),
    );

  it.each(['/%ff', '/api/v1/campaigns/%ff', '/api/v1/campaigns/%E0%A4%A/positions'])(
    'answers the malformed URL %s with 400 bad_request, without echoing it',
    async (path) => {
      const res = await send(`GET ${path} HTTP/1.1`, ['x-request-id: trace-bad-url']);
      const error = expectWireError(res, 400, 'bad_request');
      expect(res.headers['x-request-id']).toBe('trace-bad-url');
      expect(error.message).not.toContain('%');
    },
  );

  it('answers a header section past the limit with 431 payload_too_large and a new request id', async () => {
    const res = await send('GET /api/v1/campaigns HTTP/1.1', [`x-padding: ${'a'.repeat(maxHeaderSize + 1024)}`]);
    expectWireError(res, 431, 'payload_too_large');
    expect(res.headers['x-request-id']).toMatch(UUID);
  });

  it('answers a request line that is not HTTP with 400 bad_request', async () => {
    expectWireError(await send('NOT HTTP AT ALL'), 400, 'bad_request');
  });

  it('answers a wrong method with 405 and Allow on the wire too', async () => {
    const res = await send('DELETE /api/v1/campaigns HTTP/1.1');
    expectWireError(res, 405, 'bad_request');
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });

  it('judges an over-long id like any malformed id: 422 naming the field', async () => {
    const res = await send(`GET /api/v1/campaigns/${'a'.repeat(500)} HTTP/1.1`);
    expect(res.status, res.body).toBe(422);
    expect(JSON.parse(res.body).error).toMatchObject({ code: 'validation_failed', details: [{ path: 'id' }] });
  });
});

describe('x-request-id', () => {
  it('echoes the caller’s id on success and on every kind of error', async () => {
    const id = 'trace-9f2c-0001';
    const h = { 'x-request-id': id };
    const ok = await get(gw.app, `/api/v1/campaigns/${campaignId}`, h);
    const created = await post(gw.app, '/api/v1/campaigns', { name: 'x', symbol: uniqueSymbol(), timeframe: '1h' }, h);
    const invalid = await addPosition(gw.app, campaignId, { pattern_type: 'SPRING' }, h);
    const notFound = await get(gw.app, '/api/v1/campaigns/3f0c8f3a-2b7d-4c55-8d1e-5b9d2e7c6a10', h);
    const badJson = await addPosition(gw.app, campaignId, '{', h);
    const noRoute = await get(gw.app, '/nowhere', h);
    expect([ok, created, invalid, notFound, badJson, noRoute].map((r) => [r.statusCode, r.headers['x-request-id']])).toEqual([
      [200, id],
      [201, id],
      [422, id],
      [404, id],
      [400, id],
      [404, id],
    ]);
  });

  it('makes a new id for each request that sends none, on success and on error', async () => {
    const a = await get(gw.app, `/api/v1/campaigns/${campaignId}`);
    const b = await get(gw.app, `/api/v1/campaigns/${campaignId}`);
    const c = await addPosition(gw.app, campaignId, '{');
    for (const r of [a, b, c]) expect(r.headers['x-request-id']).toMatch(UUID);
    expect(new Set([a, b, c].map((r) => r.headers['x-request-id'])).size).toBe(3);
  });

  it('replaces an id that is not a sane token', async () => {
    const res = await get(gw.app, `/api/v1/campaigns/${campaignId}`, { 'x-request-id': 'x'.repeat(201) });
    expect(res.headers['x-request-id']).toMatch(UUID);
  });
});
