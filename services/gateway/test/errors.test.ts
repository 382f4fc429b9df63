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

  it('answers an unknown route with 404 not_found', async () => {
    expectError(await get(gw.app, '/api/v2/campaigns'), 404, 'not_found');
    expectError(await gw.app.inject({ method: 'DELETE', url: `/api/v1/campaigns/${campaignId}` }), 404, 'not_found');
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
