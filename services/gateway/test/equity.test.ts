import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, expectError, expectInvalid, get, openPosition } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * The equity endpoints through HTTP (section 9): status codes, validation and the shape of the
 * answers, on the wall clock (the figures at chosen instants are in
 * libs/application/test/equity.test.ts, with a fixed `now`).
 */

let gw: Gateway;
let other: TestKey;
beforeAll(async () => {
  gw = await startGateway();
  other = await createTestKey(gw.orm);
});
afterAll(async () => gw.close());

const MINUTE = 60_000;
const minuteOf = (ms: number) => new Date(Math.floor(ms / MINUTE) * MINUTE).toISOString();
const hourOf = (ms: number) => new Date(Math.floor(ms / (60 * MINUTE)) * 60 * MINUTE).toISOString();
const POINT_FIELDS = ['t', 'total_pnl', 'net_pnl', 'realized_pnl', 'unrealized_pnl', 'total_risk'];

/** GETs a curve, asserting 200; returns it with the wall clock's minute before and after the request. */
async function curve(url: string, headers: Record<string, string> = {}) {
  const before = Date.now();
  const res = await get(gw.app, url, headers);
  const after = Date.now();
  expect(res.statusCode, res.body).toBe(200);
  return { body: res.json(), before, after };
}

describe('GET /api/v1/campaigns/{id}/equity and GET /api/v1/equity', () => {
  let campaignId: string;
  let from: string;

  beforeAll(async () => {
    from = new Date(Date.now() - 2 * MINUTE).toISOString();
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol('EQH') });
    campaignId = c.id;
    // 10 @ 100, stop 98, entry fee 1: total 0, net −1, risk 20.
    await openPosition(gw.app, c.id, { pattern_type: 'SPRING', entry_price: '100', shares: '10', stop_loss: '98', entry_fee: '1' });
  });

  it('a campaign’s curve: its points up to now, the last holding its totals after the last change', async () => {
    const { body, before, after } = await curve(`/api/v1/campaigns/${campaignId}/equity?from=${from}&interval=1m`);
    expect(Object.keys(body)).toEqual(['campaign_id', 'interval', 'points']);
    expect(body).toMatchObject({ campaign_id: campaignId, interval: '1m' });
    for (const p of body.points) expect(Object.keys(p)).toEqual(POINT_FIELDS);
    // From the campaign's creation (after `from`) up to the minute of now.
    expect([minuteOf(before), minuteOf(after)]).toContain(body.points.at(-1).t);
    expect(body.points.length).toBeGreaterThanOrEqual(1);
    expect(body.points.length).toBeLessThanOrEqual(2);
    expect(body.points.at(-1)).toMatchObject({
      total_pnl: '0.00000000',
      net_pnl: '-1.00000000',
      realized_pnl: '0.00000000',
      unrealized_pnl: '0.00000000',
      total_risk: '20.00000000',
    });
  });

  it('the interval defaults to 1h, and `to` in the future is clipped to now', async () => {
    const hourly = await curve(`/api/v1/campaigns/${campaignId}/equity?from=${from}`);
    expect(hourly.body.interval).toBe('1h');
    expect([hourOf(hourly.before), hourOf(hourly.after)]).toContain(hourly.body.points.at(-1).t);

    const to = new Date(Date.now() + 3 * 24 * 60 * MINUTE).toISOString();
    const clipped = await curve(`/api/v1/campaigns/${campaignId}/equity?from=${from}&to=${to}&interval=1m`);
    expect([minuteOf(clipped.before), minuteOf(clipped.after)]).toContain(clipped.body.points.at(-1).t);
    expect(clipped.body.points.length).toBeLessThanOrEqual(2);
  });

  it('the account’s curve sums its campaigns', async () => {
    const { body, before, after } = await curve(`/api/v1/equity?from=${from}&interval=1m`);
    expect(Object.keys(body)).toEqual(['account_id', 'interval', 'points']);
    expect(body).toMatchObject({ account_id: gw.key.accountId, interval: '1m' });
    expect([minuteOf(before), minuteOf(after)]).toContain(body.points.at(-1).t);
    // The only campaign of the gateway's account holding a position is this one.
    expect(body.points.at(-1)).toMatchObject({ net_pnl: '-1.00000000', total_risk: '20.00000000' });
    // Another account sees its own curve: no campaign, no point.
    expect((await curve(`/api/v1/equity?from=${from}&interval=1m`, other.headers)).body).toEqual({
      account_id: other.accountId,
      interval: '1m',
      points: [],
    });
  });

  it('more than 1,000 points is 422, whatever the campaign’s age', async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * MINUTE).toISOString();
    expectInvalid(await get(gw.app, `/api/v1/campaigns/${campaignId}/equity?from=${twoDaysAgo}&interval=1m`), 'from');
    expectInvalid(await get(gw.app, `/api/v1/equity?from=${twoDaysAgo}&interval=1m`), 'from');
    // The same range in hours is 49 buckets: fine.
    expect((await get(gw.app, `/api/v1/campaigns/${campaignId}/equity?from=${twoDaysAgo}&interval=1h`)).statusCode).toBe(200);
  });

  it('from is required; interval, from and to are validated', async () => {
    expectInvalid(await get(gw.app, `/api/v1/campaigns/${campaignId}/equity`), 'from');
    expectInvalid(await get(gw.app, '/api/v1/equity?interval=1m'), 'from');
    expectInvalid(await get(gw.app, `/api/v1/campaigns/${campaignId}/equity?from=${from}&interval=5m`), 'interval');
    expectInvalid(await get(gw.app, `/api/v1/campaigns/${campaignId}/equity?from=2026-11-20T10:00:00`), 'from');
    expectInvalid(await get(gw.app, `/api/v1/equity?from=${from}&to=yesterday`), 'to');
    expectInvalid(await get(gw.app, '/api/v1/campaigns/not-a-uuid/equity?from=2026-11-20T10:00:00Z'), 'id');
  });

  it("another account's campaign, and a campaign that does not exist, are 404", async () => {
    expectError(await get(gw.app, `/api/v1/campaigns/${campaignId}/equity?from=${from}`, other.headers), 404, 'not_found');
    expectError(await get(gw.app, `/api/v1/campaigns/00000000-0000-4000-8000-000000000000/equity?from=${from}`), 404, 'not_found');
  });
});
