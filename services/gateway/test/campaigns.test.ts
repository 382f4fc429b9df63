import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPosition,
  at,
  campaignOf,
  closeCampaign,
  createCampaign,
  expectError,
  get,
  openPosition,
  post,
  totals,
  totalsIn,
} from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CAMPAIGN_KEYS = ['auto_exit_on_stop', 'created_at', 'id', 'name', 'side', 'status', 'symbol', 'timeframe', 'updated_at', 'version'];

describe('POST /api/v1/campaigns', () => {
  it('creates a LONG campaign at version 1 with Location and ETag, the symbol upper-cased', async () => {
    const symbol = uniqueSymbol('gbp');
    const before = Date.now();
    const res = await post(gw.app, '/api/v1/campaigns', { name: 'GBPUSD range Q4', symbol: symbol.toLowerCase(), timeframe: '1h' });
    const after = Date.now();
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(Object.keys(c).sort()).toEqual(CAMPAIGN_KEYS);
    expect(c.id).toMatch(UUID);
    expect(c).toMatchObject({
      name: 'GBPUSD range Q4',
      symbol: symbol.toUpperCase(),
      timeframe: '1h',
      side: 'LONG',
      status: 'ACTIVE',
      version: 1,
      auto_exit_on_stop: false,
    });
    expect(res.headers.location).toBe(`/api/v1/campaigns/${c.id}`);
    expect(res.headers.etag).toBe('"1"');
    expect(c.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(c.updated_at).toBe(c.created_at);
    const created = Date.parse(c.created_at);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(after);
  });

  it('creates a SHORT campaign when asked', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol('ES'), timeframe: '4h', side: 'SHORT' });
    expect([c.side, c.timeframe]).toEqual(['SHORT', '4h']);
  });

  it('accepts every symbol character the contract allows', async () => {
    const symbol = `${uniqueSymbol('x')}.a_b:c/d-1`;
    const c = await createCampaign(gw.app, { symbol });
    expect(c.symbol).toBe(symbol.toUpperCase());
  });
});

describe('GET /api/v1/campaigns/{id}', () => {
  it('answers the campaign with every totals field at zero and the version as ETag', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol(), timeframe: '1d' });
    const res = await get(gw.app, `/api/v1/campaigns/${c.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"1"');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual([...CAMPAIGN_KEYS, ...Object.keys(totals())].sort());
    expect(body).toEqual({ ...c, ...totals() });
  });

  it('answers the totals of the positions it holds', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    await openPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      shares: '10',
      entry_price: '20.5',
      stop_loss: '20',
      entry_date: at('10:00'),
    });
    const body = await campaignOf(gw.app, c.id);
    expect(body.version).toBe(2);
    expect(totalsIn(body)).toEqual(
      totals({
        total_shares: '10.00000000',
        weighted_avg_entry: '20.50000000',
        total_risk: '5.00000000',
        initial_risk: '5.00000000',
        r_multiple: '0.00000000',
        open_positions_count: 1,
      }),
    );
  });

  it('finds a campaign by its id written in upper case', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const res = await get(gw.app, `/api/v1/campaigns/${c.id.toUpperCase()}`);
    expect([res.statusCode, res.json().id]).toEqual([200, c.id]);
  });

  it('answers 404 not_found for an unknown campaign', async () => {
    expectError(await get(gw.app, '/api/v1/campaigns/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
  });
});

describe('POST /api/v1/campaigns/{id}/close', () => {
  it('closes a campaign without open positions: status CLOSED, version + 1', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const res = await closeCampaign(gw.app, c.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('"2"');
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(CAMPAIGN_KEYS);
    expect(body).toMatchObject({ id: c.id, status: 'CLOSED', version: 2, created_at: c.created_at });
    expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(c.updated_at));
    expect(await campaignOf(gw.app, c.id)).toMatchObject({ status: 'CLOSED', version: 2 });
  });

  it('accepts a close that sends an empty JSON object or an empty body with a JSON content type', async () => {
    const a = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const b = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const withObject = await post(gw.app, `/api/v1/campaigns/${a.id}/close`, {});
    const withEmpty = await post(gw.app, `/api/v1/campaigns/${b.id}/close`, '');
    expect([withObject.statusCode, withObject.json().status]).toEqual([200, 'CLOSED']);
    expect([withEmpty.statusCode, withEmpty.json().status]).toEqual([200, 'CLOSED']);
  });

  it('refuses a close whose body names a field, since the command defines none (section 1), and changes nothing', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const res = await post(gw.app, `/api/v1/campaigns/${c.id}/close`, { force: true });
    expect([res.statusCode, res.json().error.code, res.json().error.details], res.body).toEqual([
      422,
      'validation_failed',
      [{ path: 'force', message: 'unknown field' }],
    ]);
    expect(await campaignOf(gw.app, c.id)).toMatchObject({ status: 'ACTIVE', version: 1 });
  });

  it('closes a campaign whose positions are all closed', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'SOS',
      shares: '1',
      entry_price: '2',
      stop_loss: '1',
      entry_date: at('10:00'),
    });
    expect((await post(gw.app, `/api/v1/positions/${p.id}/close`, { exit_price: '3', closed_date: at('11:00') })).statusCode).toBe(200);
    const res = await closeCampaign(gw.app, c.id);
    expect([res.statusCode, res.headers.etag, res.json().status]).toEqual([200, '"4"', 'CLOSED']);
  });

  it('refuses with 409 conflict while a position is open, and changes nothing', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    await openPosition(gw.app, c.id, { pattern_type: 'SPRING', shares: '1', entry_price: '2', stop_loss: '1', entry_date: at('10:00') });
    const error = expectError(await closeCampaign(gw.app, c.id), 409, 'conflict');
    expect(error.details).toBeUndefined();
    expect(await campaignOf(gw.app, c.id)).toMatchObject({ status: 'ACTIVE', version: 2, open_positions_count: 1 });
  });

  it('refuses to close a closed campaign again, and refuses new positions in it', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    expect((await closeCampaign(gw.app, c.id)).statusCode).toBe(200);
    expectError(await closeCampaign(gw.app, c.id), 409, 'conflict');
    const add = await addPosition(gw.app, c.id, { pattern_type: 'SPRING', shares: '1', entry_price: '2', stop_loss: '1' });
    expectError(add, 409, 'conflict');
    expect(await campaignOf(gw.app, c.id)).toMatchObject({ status: 'CLOSED', version: 2, open_positions_count: 0 });
  });

  it('answers 404 not_found for an unknown campaign', async () => {
    expectError(await closeCampaign(gw.app, '00000000-0000-4000-8000-000000000001'), 404, 'not_found');
  });
});
