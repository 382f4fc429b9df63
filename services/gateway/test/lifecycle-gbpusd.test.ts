import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, campaignOf, closePosition, createCampaign, mark, openAtVersion, pnlByPattern, positionsOf, totals, totalsIn } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

describe('GBPUSD accumulation campaign, story scenario 2', () => {
  it('reaches a total P&L of 125.00 after closing the Spring and adding an LPS', async () => {
    const { app, orm } = gw;
    const symbol = uniqueSymbol('GBPUSD');
    const c = await createCampaign(app, { name: 'GBPUSD range Q4', symbol, timeframe: '1h' });
    const spring = await openAtVersion(app, c.id, 2, {
      pattern_type: 'SPRING',
      shares: '8000',
      entry_price: '1.2500',
      stop_loss: '1.2450',
      entry_date: at('09:00'),
    });
    expect(totalsIn(await positionsOf(app, c.id))).toEqual(
      totals({
        total_shares: '8000.00000000',
        weighted_avg_entry: '1.25000000',
        total_risk: '40.00000000',
        initial_risk: '40.00000000',
        r_multiple: '0.00000000',
        open_positions_count: 1,
      }),
    );
    await openAtVersion(app, c.id, 3, {
      pattern_type: 'SOS',
      shares: '6000',
      entry_price: '1.2550',
      stop_loss: '1.2500',
      entry_date: at('10:00'),
    });
    let view = await positionsOf(app, c.id);
    expect(view.version).toBe(3);
    // (1.25 x 8000 + 1.255 x 6000) / 14000 = 1.252142857...
    const entered = totals({
      total_shares: '14000.00000000',
      weighted_avg_entry: '1.25214286',
      total_risk: '70.00000000',
      initial_risk: '70.00000000',
      r_multiple: '0.00000000',
      open_positions_count: 2,
    });
    expect(totalsIn(view)).toEqual(entered);

    expect(await mark(orm, symbol, '1.2575', at('11:00'))).toBe(2);
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(3);
    expect(pnlByPattern(view)).toEqual({ SPRING: '60.00000000', SOS: '15.00000000' });
    // 75 / 70 = 1.071428571...
    expect(totalsIn(view)).toEqual({
      ...entered,
      unrealized_pnl: '75.00000000',
      total_pnl: '75.00000000',
      net_pnl: '75.00000000',
      r_multiple: '1.07142857',
      as_of: at('11:00'),
    });

    const closed = await closePosition(app, spring.id, { exit_price: '1.2625', closed_date: at('12:00') });
    expect([closed.statusCode, closed.headers.etag, closed.json().realized_pnl]).toEqual([200, '"4"', '100.00000000']);
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(4);
    expect(totalsIn(view)).toEqual(
      totals({
        total_shares: '6000.00000000',
        weighted_avg_entry: '1.25500000',
        total_risk: '30.00000000',
        unrealized_pnl: '15.00000000',
        realized_pnl: '100.00000000',
        total_pnl: '115.00000000',
        net_pnl: '115.00000000',
        initial_risk: '70.00000000',
        // 115 / 70 = 1.642857142...
        r_multiple: '1.64285714',
        open_positions_count: 1,
        closed_positions_count: 1,
        as_of: at('11:00'),
      }),
    );

    await openAtVersion(app, c.id, 5, {
      pattern_type: 'LPS',
      shares: '4000',
      entry_price: '1.2600',
      stop_loss: '1.2550',
      entry_date: at('13:00'),
    });
    // (1.255 x 6000 + 1.26 x 4000) / 10000 = 1.257 exactly; the LPS starts at zero P&L.
    const afterLps = totals({
      total_shares: '10000.00000000',
      weighted_avg_entry: '1.25700000',
      total_risk: '50.00000000',
      unrealized_pnl: '15.00000000',
      realized_pnl: '100.00000000',
      total_pnl: '115.00000000',
      net_pnl: '115.00000000',
      initial_risk: '90.00000000',
      // 115 / 90 = 1.277777777...
      r_multiple: '1.27777778',
      open_positions_count: 2,
      closed_positions_count: 1,
      as_of: at('11:00'),
    });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(5);
    expect(totalsIn(view)).toEqual(afterLps);

    // A replayed tick changes nothing: the SOS already holds that mark, the LPS came later.
    expect(await mark(orm, symbol, '1.2575', at('11:00'))).toBe(0);
    expect(totalsIn(await positionsOf(app, c.id))).toEqual(afterLps);

    expect(await mark(orm, symbol, '1.2595', at('14:00'))).toBe(2);
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(5);
    expect(pnlByPattern(view)).toEqual({ SPRING: '100.00000000', SOS: '27.00000000', LPS: '-2.00000000' });
    // 125 / 90 = 1.388888888...
    const final = {
      ...afterLps,
      unrealized_pnl: '25.00000000',
      total_pnl: '125.00000000',
      net_pnl: '125.00000000',
      r_multiple: '1.38888889',
      as_of: at('14:00'),
    };
    expect(totalsIn(view)).toEqual(final);
    expect(totalsIn(await campaignOf(app, c.id))).toEqual(final);
  });
});
