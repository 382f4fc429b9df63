import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, at, closePosition, createCampaign, get, moveStop, openPosition, patch, post, type Res } from './api.js';
import { exitPosition } from './exits-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * The mistakes a client is most likely to make, on the real endpoints, answered in words a person
 * can act on (section 1): 422 `validation_failed` with exactly these details, and nothing changed.
 */
let gw: Gateway;
let campaignId: string;
let positionId: string;

beforeAll(async () => {
  gw = await startGateway();
  campaignId = (await createCampaign(gw.app, { symbol: uniqueSymbol(), timeframe: '1h' })).id;
  positionId = (await openPosition(gw.app, campaignId, { ...entry, entry_date: at('09:00') })).id;
});
afterAll(async () => gw.close());

const campaign = { name: 'GBPUSD range Q4', symbol: 'GBPUSD', timeframe: '1h' };
const entry = { pattern_type: 'SPRING', entry_price: '1.25', shares: '8000', stop_loss: '1.245' };
const NO_OFFSET = 'must be an RFC 3339 timestamp with an explicit offset in the years 0001–9999, e.g. 2026-11-25T14:00:00Z';

/** The answer's details, after asserting it is exactly the contract's 422. */
function detailsOf(res: Res): unknown {
  expect(res.statusCode, res.body).toBe(422);
  const { error } = res.json();
  expect([error.code, error.message.length > 0]).toEqual(['validation_failed', true]);
  return error.details;
}

async function versionNow(): Promise<number> {
  return (await get(gw.app, `/api/v1/campaigns/${campaignId}`)).json().version;
}

describe('the ten most likely mistakes, in the contract’s words', () => {
  it('a campaign without its symbol: `symbol: required`', async () => {
    const { symbol: _, ...rest } = campaign;
    expect(detailsOf(await post(gw.app, '/api/v1/campaigns', rest))).toEqual([{ path: 'symbol', message: 'required' }]);
  });

  it('`price` sent instead of `entry_price`: the one is required, the other unknown', async () => {
    const { entry_price: _, ...rest } = entry;
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...rest, price: '1.25' }))).toEqual([
      { path: 'entry_price', message: 'required' },
      { path: 'price', message: 'unknown field' },
    ]);
  });

  it('a misspelt fee is never silently ignored: `fees`, `entry_fees` and `fee_x` are unknown fields', async () => {
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, entry_fees: '1.00' }))).toEqual([
      { path: 'entry_fees', message: 'unknown field' },
    ]);
    expect(detailsOf(await closePosition(gw.app, positionId, { exit_price: '1.26', fees: '2' }))).toEqual([
      { path: 'fees', message: 'unknown field' },
    ]);
    expect(detailsOf(await exitPosition(gw.app, positionId, { shares: '1', price: '1.26', fee_x: '2' }))).toEqual([
      { path: 'fee_x', message: 'unknown field' },
    ]);
  });

  it('a number where an enum is needed: the values it takes are listed', async () => {
    expect(detailsOf(await post(gw.app, '/api/v1/campaigns', { ...campaign, side: 1 }))).toEqual([
      { path: 'side', message: 'must be one of LONG, SHORT' },
    ]);
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, pattern_type: 2 }))).toEqual([
      { path: 'pattern_type', message: 'must be one of SPRING, SOS, LPS, UTAD, SOW, LPSY' },
    ]);
  });

  it('a timeframe the contract does not have', async () => {
    expect(detailsOf(await post(gw.app, '/api/v1/campaigns', { ...campaign, timeframe: '2h' }))).toEqual([
      { path: 'timeframe', message: 'must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w' },
    ]);
  });

  it('a decimal that is not one: exponent notation, too many digits', async () => {
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, stop_loss: '1e-3' }))).toEqual([
      { path: 'stop_loss', message: 'must be a decimal in plain notation' },
    ]);
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, entry_price: '1.123456789' }))).toEqual([
      { path: 'entry_price', message: 'at most 8 fractional digits' },
    ]);
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, entry_price: true }))).toEqual([
      { path: 'entry_price', message: 'must be a decimal string or number' },
    ]);
  });

  it('a timestamp without an offset', async () => {
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, entry_date: '2026-11-25T14:00:00' }))).toEqual([
      { path: 'entry_date', message: NO_OFFSET },
    ]);
  });

  it('shares written as words', async () => {
    expect(detailsOf(await addPosition(gw.app, campaignId, { ...entry, shares: 'abc' }))).toEqual([
      { path: 'shares', message: 'must be a decimal in plain notation' },
    ]);
  });

  it('a field beside the new stop on PATCH, and beside the setting on a campaign', async () => {
    expect(detailsOf(await moveStop(gw.app, positionId, { stop_loss: '1.246', take_profit: '1.3' }))).toEqual([
      { path: 'take_profit', message: 'unknown field' },
    ]);
    expect(detailsOf(await patch(gw.app, `/api/v1/campaigns/${campaignId}`, { auto_exit_on_stop: true, status: 'CLOSED' }))).toEqual([
      { path: 'status', message: 'unknown field' },
    ]);
  });

  it('a number where a string is needed, and a string where a boolean is', async () => {
    expect(detailsOf(await post(gw.app, '/api/v1/campaigns', { ...campaign, name: 42, symbol: 7 }))).toEqual([
      { path: 'name', message: 'expected a string' },
      { path: 'symbol', message: 'expected a string' },
    ]);
    expect(detailsOf(await patch(gw.app, `/api/v1/campaigns/${campaignId}`, { auto_exit_on_stop: 'false' }))).toEqual([
      { path: 'auto_exit_on_stop', message: 'expected a boolean' },
    ]);
  });

  it('left the campaign as it was after every refusal', async () => {
    expect(await versionNow()).toBe(2);
  });
});

describe('every body of the gateway is strict (section 1)', () => {
  it.each([
    ['account settings', () => patch(gw.app, '/api/v1/account/settings', { equity: '1000', max_heat: '5' }), 'max_heat'],
    ['a new account', () => post(gw.app, '/api/v1/admin/accounts', { name: 'desk', currency: 'USD' }), 'currency'],
    [
      'a new key',
      () => post(gw.app, `/api/v1/admin/accounts/${gw.key.accountId}/keys`, { name: 'k', scopes: ['admin'], scope: 'admin' }),
      'scope',
    ],
    ['a campaign close', () => post(gw.app, `/api/v1/campaigns/${campaignId}/close`, { reason: 'done' }), 'reason'],
  ])('%s names the field it does not define', async (_what, send, field) => {
    expect(detailsOf(await send())).toEqual([{ path: field, message: 'unknown field' }]);
  });

  it('says what a key’s scopes must be, once per fault', async () => {
    const keys = `/api/v1/admin/accounts/${gw.key.accountId}/keys`;
    expect(detailsOf(await post(gw.app, keys, { name: 'k', scopes: 'admin' }))).toEqual([{ path: 'scopes', message: 'expected an array' }]);
    expect(detailsOf(await post(gw.app, keys, { name: 'k', scopes: [] }))).toEqual([
      { path: 'scopes', message: 'must have at least 1 item' },
    ]);
    expect(detailsOf(await post(gw.app, keys, { name: 'k', scopes: ['root'] }))).toEqual([
      { path: 'scopes[0]', message: 'must be one of campaigns:read, campaigns:write, ticks:write, admin' },
    ]);
  });

  it('says what a query parameter must be', async () => {
    expect(detailsOf(await get(gw.app, '/api/v1/campaigns?limit=many'))).toEqual([{ path: 'limit', message: 'expected a number' }]);
    expect(detailsOf(await get(gw.app, '/api/v1/campaigns?limit=0'))).toEqual([{ path: 'limit', message: 'must be at least 1' }]);
    expect(detailsOf(await get(gw.app, '/api/v1/campaigns?status=OPEN'))).toEqual([
      { path: 'status', message: 'must be one of ACTIVE, CLOSED' },
    ]);
  });

  it('documents every request body as closed to other fields', async () => {
    const doc = (await get(gw.app, '/openapi.json')).json();
    const bodies = Object.entries(
      doc.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>,
    )
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op.requestBody] as const))
      .filter(([, body]) => body !== undefined);
    expect(bodies.length).toBeGreaterThanOrEqual(9);
    for (const [name, body] of bodies) {
      const schema = body?.content['application/json']?.schema as { type?: string; additionalProperties?: unknown };
      expect([name, schema.type, schema.additionalProperties]).toEqual([name, 'object', false]);
    }
  });
});
