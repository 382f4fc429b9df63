import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPosition,
  at,
  campaignOf,
  closePosition,
  createCampaign,
  expectError,
  get,
  mark,
  moveStop,
  openPosition,
  positionsOf,
} from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

const POSITION_KEYS = `campaign_id closed_date created_at current_pnl current_price entry_date entry_fee entry_price exit_price exits
  fees id initial_risk initial_stop mae_r marked_at max_adverse_price max_favorable_price mfe_r net_pnl open_shares pattern_type
  r_multiple realized_pnl shares signal_id status stop_breach_price stop_breached_at stop_loss symbol timeframe updated_at`.split(/\s+/);
const UNKNOWN = '7b0e3c52-5d0f-4b52-9a61-2f4c1c0d9e11';

describe('POST /api/v1/campaigns/{id}/positions', () => {
  it('opens a position at its entry price with zero P&L, and answers the new version as ETag', async () => {
    const symbol = uniqueSymbol();
    const c = await createCampaign(gw.app, { symbol, timeframe: '1d' });
    const signal = 'A1B2C3D4-0000-4000-8000-00000000ABCD';
    const res = await addPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '1.25',
      shares: 8000,
      stop_loss: '1.245',
      entry_date: at('09:00'),
      signal_id: signal,
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"2"');
    const p = res.json();
    expect(Object.keys(p).sort()).toEqual(POSITION_KEYS);
    expect(p).toMatchObject({
      campaign_id: c.id,
      signal_id: signal.toLowerCase(),
      symbol,
      timeframe: '1d',
      pattern_type: 'SPRING',
      entry_date: at('09:00'),
      entry_price: '1.25000000',
      shares: '8000.00000000',
      open_shares: '8000.00000000',
      stop_loss: '1.24500000',
      initial_stop: '1.24500000',
      initial_risk: '40.00000000',
      entry_fee: '0.00000000',
      fees: '0.00000000',
      current_price: '1.25000000',
      current_pnl: '0.00000000',
      net_pnl: '0.00000000',
      r_multiple: '0.00000000',
      status: 'OPEN',
      closed_date: null,
      exit_price: null,
      realized_pnl: null,
      exits: [],
      max_favorable_price: '1.25000000',
      max_adverse_price: '1.25000000',
      mfe_r: '0.00000000',
      mae_r: '0.00000000',
      marked_at: null,
    });
    expect(p.updated_at).toBe(p.created_at);
    expect((await positionsOf(gw.app, c.id)).positions).toEqual([p]);
  });

  it('defaults entry_date to now, timeframe to the campaign’s and signal_id to null', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol(), timeframe: '15m' });
    const before = Date.now();
    const p = await openPosition(gw.app, c.id, { pattern_type: 'SOS', entry_price: '10', shares: '1', stop_loss: '9' });
    const after = Date.now();
    expect([p.timeframe, p.signal_id]).toEqual(['15m', null]);
    expect(Date.parse(p.entry_date)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(p.entry_date)).toBeLessThanOrEqual(after);
  });

  it('keeps a timeframe given explicitly, and accepts the campaign’s symbol in any case', async () => {
    const symbol = uniqueSymbol();
    const c = await createCampaign(gw.app, { symbol, timeframe: '1h' });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'LPS',
      entry_price: '10',
      shares: '1',
      stop_loss: '9',
      symbol: symbol.toLowerCase(),
      timeframe: '4h',
    });
    expect([p.symbol, p.timeframe]).toEqual([symbol, '4h']);
  });

  it('answers 404 not_found for an unknown campaign', async () => {
    const res = await addPosition(gw.app, UNKNOWN, { pattern_type: 'SPRING', entry_price: '2', shares: '1', stop_loss: '1' });
    expectError(res, 404, 'not_found');
  });
});

describe('PATCH /api/v1/positions/{id}', () => {
  it('moves a trailing stop: risk follows, may turn negative, and the version grows by one each time', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '150',
      shares: '100',
      stop_loss: '148',
      entry_date: at('10:00'),
    });
    const first = await moveStop(gw.app, p.id, { stop_loss: '149.5' });
    expect([first.statusCode, first.headers.etag]).toEqual([200, '"3"']);
    expect(first.json()).toMatchObject({
      id: p.id,
      stop_loss: '149.50000000',
      status: 'OPEN',
      entry_price: '150.00000000',
      initial_stop: '148.00000000',
      initial_risk: '200.00000000',
    });
    expect(await campaignOf(gw.app, c.id)).toMatchObject({ version: 3, total_risk: '50.00000000' });

    const beyond = await moveStop(gw.app, p.id, { stop_loss: 151 });
    expect([beyond.statusCode, beyond.headers.etag, beyond.json().stop_loss]).toEqual([200, '"4"', '151.00000000']);
    expect(beyond.json()).toMatchObject({ initial_stop: '148.00000000', initial_risk: '200.00000000' });
    expect(await campaignOf(gw.app, c.id)).toMatchObject({ version: 4, total_risk: '-100.00000000', initial_risk: '200.00000000' });
  });

  it('answers 404 not_found for an unknown position', async () => {
    expectError(await moveStop(gw.app, UNKNOWN, { stop_loss: '1' }), 404, 'not_found');
  });

  it('refuses with 409 conflict to move the stop of a closed position', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '10',
      shares: '1',
      stop_loss: '9',
      entry_date: at('10:00'),
    });
    expect((await closePosition(gw.app, p.id, { exit_price: '11', closed_date: at('11:00') })).statusCode).toBe(200);
    expectError(await moveStop(gw.app, p.id, { stop_loss: '9.5' }), 409, 'conflict');
    const view = await positionsOf(gw.app, c.id);
    expect([view.version, view.positions[0].stop_loss]).toEqual([3, '9.00000000']);
  });
});

describe('POST /api/v1/positions/{id}/close', () => {
  it('closes at the exit price: realized P&L, frozen current price and P&L, never marked again', async () => {
    const symbol = uniqueSymbol();
    const c = await createCampaign(gw.app, { symbol });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '100',
      shares: '3',
      stop_loss: '90',
      entry_date: at('10:00'),
    });
    const before = Date.now();
    const res = await closePosition(gw.app, p.id, { exit_price: '99.99999999' });
    const after = Date.now();
    expect([res.statusCode, res.headers.etag]).toEqual([200, '"3"']);
    const closed = res.json();
    expect(closed).toMatchObject({
      status: 'CLOSED',
      shares: '3.00000000',
      open_shares: '0.00000000',
      exit_price: '99.99999999',
      realized_pnl: '-0.00000003',
      current_price: '99.99999999',
      current_pnl: '-0.00000003',
      initial_stop: '90.00000000',
      initial_risk: '30.00000000',
      entry_fee: '0.00000000',
      fees: '0.00000000',
      net_pnl: '-0.00000003',
      // -0.00000003 / 30 = -0.000000001, which rounds to zero (never "-0.00000000").
      r_multiple: '0.00000000',
    });
    expect(Date.parse(closed.closed_date)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(closed.closed_date)).toBeLessThanOrEqual(after);
    // A close is one exit of every open share.
    expect(closed.exits).toEqual([
      {
        id: expect.any(String),
        position_id: p.id,
        shares: '3.00000000',
        price: '99.99999999',
        date: closed.closed_date,
        fee: '0.00000000',
        realized_pnl: '-0.00000003',
      },
    ]);

    expect(await mark(gw.orm, symbol, '120', at('12:00'))).toBe(0);
    const view = await positionsOf(gw.app, c.id);
    expect(view.positions).toEqual([closed]);
    expect(view).toMatchObject({
      version: 3,
      realized_pnl: '-0.00000003',
      total_pnl: '-0.00000003',
      total_fees: '0.00000000',
      net_pnl: '-0.00000003',
      initial_risk: '30.00000000',
      r_multiple: '0.00000000',
      as_of: null,
    });
  });

  it('refuses with 409 conflict to close a closed position, and keeps the first exit', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '10',
      shares: '1',
      stop_loss: '9',
      entry_date: at('10:00'),
    });
    expect((await closePosition(gw.app, p.id, { exit_price: '11', closed_date: at('11:00') })).statusCode).toBe(200);
    expectError(await closePosition(gw.app, p.id, { exit_price: '12', closed_date: at('12:00') }), 409, 'conflict');
    const view = await positionsOf(gw.app, c.id);
    expect([view.version, view.positions[0].exit_price, view.realized_pnl]).toEqual([3, '11.00000000', '1.00000000']);
    expect(view.positions[0].exits.map((e: { price: string; date: string }) => [e.price, e.date])).toEqual([['11.00000000', at('11:00')]]);
  });

  it('answers 404 not_found for an unknown position', async () => {
    expectError(await closePosition(gw.app, UNKNOWN, { exit_price: '1' }), 404, 'not_found');
  });

  it('answers 404 not_found for a GET on a position path that has no such route', async () => {
    expectError(await get(gw.app, `/api/v1/positions/${UNKNOWN}/nothing`), 404, 'not_found');
  });
});
