import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, at, closePosition, createCampaign, expectInvalid, get, moveStop, openPosition, positionsOf, post } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

const entry = (over: Record<string, unknown> = {}) => ({ pattern_type: 'SPRING', entry_price: '10', shares: '5', stop_loss: '9', ...over });
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe('campaign body rules', () => {
  it.each([
    ['an empty name', { name: '' }, 'name'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
    ['no symbol', { symbol: undefined }, 'symbol'],
    ['a symbol with a space', { symbol: 'GBP USD' }, 'symbol'],
    ['a symbol over 32 characters', { symbol: 'A'.repeat(33) }, 'symbol'],
    ['an empty symbol', { symbol: '' }, 'symbol'],
    ['an unknown timeframe', { timeframe: '2h' }, 'timeframe'],
    ['no timeframe', { timeframe: undefined }, 'timeframe'],
    ['an unknown side', { side: 'FLAT' }, 'side'],
    ['a lower-case side', { side: 'long' }, 'side'],
  ])('refuses %s with 422', async (_what, over, path) => {
    expectInvalid(await post(gw.app, '/api/v1/campaigns', { name: 'range', symbol: 'GBPUSD', timeframe: '1h', ...over }), path);
  });

  it('accepts a 200-character name and every contract timeframe', async () => {
    for (const timeframe of ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w']) {
      const c = await createCampaign(gw.app, { name: 'n'.repeat(200), symbol: uniqueSymbol(), timeframe });
      expect([c.name.length, c.timeframe]).toEqual([200, timeframe]);
    }
  });
});

describe('position rules (contract section 2)', () => {
  let campaignId: string;
  let symbol: string;
  beforeAll(async () => {
    symbol = uniqueSymbol();
    campaignId = (await createCampaign(gw.app, { symbol, timeframe: '1h' })).id;
  });

  it.each([
    ['entry_price', '0'],
    ['entry_price', '-10'],
    ['shares', '0'],
    ['shares', '-5'],
    ['stop_loss', '0'],
    ['stop_loss', '-1'],
  ])('refuses %s = %s with 422 (amounts must be > 0)', async (field, value) => {
    expectInvalid(await addPosition(gw.app, campaignId, entry({ [field]: value })), field);
  });

  it('refuses a position too large for NUMERIC(18,8) with 422 on shares', async () => {
    expectInvalid(await addPosition(gw.app, campaignId, entry({ entry_price: '1000000', shares: '10000000' })), 'shares');
  });

  it('accepts an entry_date up to 60 s ahead and refuses one further ahead', async () => {
    const soon = await addPosition(gw.app, campaignId, entry({ entry_date: inSeconds(30) }));
    expect(soon.statusCode, soon.body).toBe(201);
    expectInvalid(await addPosition(gw.app, campaignId, entry({ entry_date: inSeconds(120) })), 'entry_date');
  });

  it('refuses an unknown pattern_type and a missing one', async () => {
    expectInvalid(await addPosition(gw.app, campaignId, entry({ pattern_type: 'SHAKEOUT' })), 'pattern_type');
    expectInvalid(await addPosition(gw.app, campaignId, entry({ pattern_type: undefined })), 'pattern_type');
  });

  it('refuses a symbol other than the campaign’s, and an invalid one', async () => {
    expectInvalid(await addPosition(gw.app, campaignId, entry({ symbol: `${symbol}X` })), 'symbol');
    expectInvalid(await addPosition(gw.app, campaignId, entry({ symbol: 'BAD SYMBOL' })), 'symbol');
  });

  it('refuses an unknown timeframe', async () => {
    expectInvalid(await addPosition(gw.app, campaignId, entry({ timeframe: '3d' })), 'timeframe');
  });

  it.each(['not-a-uuid', '', '123e4567-e89b-12d3-a456-42661417400', 12])('refuses signal_id %j', async (signal) => {
    expectInvalid(await addPosition(gw.app, campaignId, entry({ signal_id: signal })), 'signal_id');
  });

  it('accepts signal_id null', async () => {
    const p = await openPosition(gw.app, campaignId, entry({ signal_id: null }));
    expect(p.signal_id).toBeNull();
  });

  it('refuses a body that is valid JSON but not an object with 422', async () => {
    expectInvalid(await addPosition(gw.app, campaignId, '[]'), '');
    expectInvalid(await addPosition(gw.app, campaignId, '"SPRING"'), '');
    expectInvalid(await addPosition(gw.app, campaignId, 'null'), '');
  });

  it('changes nothing when a command is refused', async () => {
    const before = await positionsOf(gw.app, campaignId);
    expectInvalid(await addPosition(gw.app, campaignId, entry({ shares: '0' })), 'shares');
    expect(await positionsOf(gw.app, campaignId)).toEqual(before);
  });
});

describe('close rules', () => {
  it('refuses a closed_date before the entry_date, accepts one equal to it', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, entry({ entry_date: at('10:00') }));
    expectInvalid(await closePosition(gw.app, p.id, { exit_price: '11', closed_date: '2026-11-20T09:59:59.999Z' }), 'closed_date');
    expectInvalid(await closePosition(gw.app, p.id, { exit_price: '11', closed_date: inSeconds(120) }), 'closed_date');
    expect((await positionsOf(gw.app, c.id)).version).toBe(2);
    const closed = await closePosition(gw.app, p.id, { exit_price: '11', closed_date: at('10:00') });
    expect([closed.statusCode, closed.json().closed_date, closed.json().realized_pnl]).toEqual([200, at('10:00'), '5.00000000']);
  });

  it('refuses a close without exit_price, and a stop move without stop_loss', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, entry({ entry_date: at('10:00') }));
    expectInvalid(await closePosition(gw.app, p.id, {}), 'exit_price');
    expectInvalid(await moveStop(gw.app, p.id, {}), 'stop_loss');
  });
});

describe('identifiers and query parameters', () => {
  it.each([
    ['GET', '/api/v1/campaigns/not-a-uuid'],
    ['GET', '/api/v1/campaigns/123/positions'],
    ['POST', '/api/v1/campaigns/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz/positions'],
    ['POST', '/api/v1/campaigns/not-a-uuid/close'],
    ['PATCH', '/api/v1/positions/not-a-uuid'],
    ['POST', '/api/v1/positions/not-a-uuid/close'],
  ] as const)('%s %s answers 422 naming id', async (method, url) => {
    const res = await gw.app.inject({ method, url, payload: entry(), headers: { 'content-type': 'application/json' } });
    expectInvalid(res, 'id');
  });

  it.each(['yes', '1', 'TRUE', ''])('GET positions with include_closed=%s answers 422', async (value) => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    expectInvalid(await get(gw.app, `/api/v1/campaigns/${c.id}/positions?include_closed=${value}`), 'include_closed');
  });
});
