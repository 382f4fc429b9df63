import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPosition,
  at,
  closePosition,
  createCampaign,
  expectInvalid,
  mark,
  moveStop,
  openPosition,
  positionsOf,
  totals,
  totalsIn,
} from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

describe('SHORT (distribution) campaigns', () => {
  it('tracks UTAD, SOW and LPSY: risk above the entry, P&L gained as the price falls', async () => {
    const { app, orm } = gw;
    const symbol = uniqueSymbol('ES');
    const c = await createCampaign(app, { symbol, timeframe: '4h', side: 'SHORT' });
    const utad = await openPosition(app, c.id, {
      pattern_type: 'UTAD',
      shares: '1000',
      entry_price: '50.00',
      stop_loss: '51.00',
      entry_date: at('09:00'),
    });
    await openPosition(app, c.id, {
      pattern_type: 'SOW',
      shares: '500',
      entry_price: '49.00',
      stop_loss: '50.00',
      entry_date: at('10:00'),
    });
    // (50 x 1000 + 49 x 500) / 1500 = 49.666...; risk (51 - 50) x 1000 + (50 - 49) x 500.
    const entered = totals({
      total_shares: '1500.00000000',
      weighted_avg_entry: '49.66666667',
      total_risk: '1500.00000000',
      initial_risk: '1500.00000000',
      r_multiple: '0.00000000',
      open_positions_count: 2,
    });
    let view = await positionsOf(app, c.id);
    expect([view.version, totalsIn(view)]).toEqual([3, entered]);

    expect(await mark(orm, symbol, '48.00', at('11:00'))).toBe(2);
    view = await positionsOf(app, c.id);
    expect(view.positions.map((p: { current_pnl: string }) => p.current_pnl)).toEqual(['2000.00000000', '500.00000000']);
    // 2500 / 1500 = 1.666666666...
    expect(totalsIn(view)).toEqual({
      ...entered,
      unrealized_pnl: '2500.00000000',
      total_pnl: '2500.00000000',
      net_pnl: '2500.00000000',
      r_multiple: '1.66666667',
      as_of: at('11:00'),
    });

    expect(await mark(orm, symbol, '52.00', at('12:00'))).toBe(2);
    view = await positionsOf(app, c.id);
    expect(view.positions.map((p: { current_pnl: string }) => p.current_pnl)).toEqual(['-2000.00000000', '-1500.00000000']);
    // -3500 / 1500 = -2.333333333...
    expect(totalsIn(view)).toEqual({
      ...entered,
      unrealized_pnl: '-3500.00000000',
      total_pnl: '-3500.00000000',
      net_pnl: '-3500.00000000',
      r_multiple: '-2.33333333',
      // Section 8: 52 is at or above both stops (51 and 50).
      breached_positions_count: 2,
      as_of: at('12:00'),
    });

    const closed = await closePosition(app, utad.id, { exit_price: '47.5', closed_date: at('13:00') });
    expect([closed.statusCode, closed.headers.etag, closed.json().realized_pnl]).toEqual([200, '"4"', '2500.00000000']);
    // Risk (51 - 50) x 1000 at entry; 2500 / 1000.
    expect(closed.json()).toMatchObject({
      initial_stop: '51.00000000',
      initial_risk: '1000.00000000',
      net_pnl: '2500.00000000',
      r_multiple: '2.50000000',
    });

    await openPosition(app, c.id, {
      pattern_type: 'LPSY',
      shares: '200',
      entry_price: '51.00',
      stop_loss: '51.75',
      entry_date: at('14:00'),
    });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(5);
    expect(totalsIn(view)).toEqual(
      totals({
        total_shares: '700.00000000',
        // (49 x 500 + 51 x 200) / 700 = 49.571428571...
        weighted_avg_entry: '49.57142857',
        total_risk: '650.00000000',
        unrealized_pnl: '-1500.00000000',
        realized_pnl: '2500.00000000',
        total_pnl: '1000.00000000',
        net_pnl: '1000.00000000',
        // 1500 + (51.75 - 51) x 200; 1000 / 1650 = 0.606060606...
        initial_risk: '1650.00000000',
        r_multiple: '0.60606061',
        open_positions_count: 2,
        closed_positions_count: 1,
        // The SOW is still breached; the LPSY, entered after the mark of 52, is not marked by it.
        breached_positions_count: 1,
        as_of: at('12:00'),
      }),
    );
    expect(view.positions.map((p: { pattern_type: string }) => p.pattern_type)).toEqual(['UTAD', 'SOW', 'LPSY']);
  });

  it('moves a SHORT trailing stop down, lowering the risk', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol(), side: 'SHORT' });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'UTAD',
      shares: '10',
      entry_price: '100',
      stop_loss: '104',
      entry_date: at('09:00'),
    });
    const res = await moveStop(gw.app, p.id, { stop_loss: '101.5' });
    expect([res.statusCode, res.json().stop_loss]).toEqual([200, '101.50000000']);
    expect(totalsIn(await positionsOf(gw.app, c.id))).toMatchObject({ total_risk: '15.00000000', initial_risk: '40.00000000' });
    expect(res.json()).toMatchObject({ initial_stop: '104.00000000', initial_risk: '40.00000000' });
  });

  it.each([
    ['SHORT', 'SPRING'],
    ['SHORT', 'SOS'],
    ['SHORT', 'LPS'],
    ['LONG', 'UTAD'],
    ['LONG', 'SOW'],
    ['LONG', 'LPSY'],
  ] as const)('refuses a %s campaign a %s position with 422 on pattern_type', async (side, pattern) => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol(), side });
    const stop = side === 'LONG' ? '9' : '11';
    expectInvalid(
      await addPosition(gw.app, c.id, { pattern_type: pattern, shares: '1', entry_price: '10', stop_loss: stop }),
      'pattern_type',
    );
    expect((await positionsOf(gw.app, c.id)).version).toBe(1);
  });

  it.each([
    ['SHORT', 'UTAD', '9.99'],
    ['SHORT', 'SOW', '10'],
    ['LONG', 'SPRING', '10.01'],
    ['LONG', 'LPS', '10'],
  ] as const)('refuses a %s %s entry with its stop at %s (wrong side of 10) with 422 on stop_loss', async (side, pattern, stop) => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol(), side });
    expectInvalid(await addPosition(gw.app, c.id, { pattern_type: pattern, shares: '1', entry_price: '10', stop_loss: stop }), 'stop_loss');
    expect((await positionsOf(gw.app, c.id)).positions).toEqual([]);
  });
});
