import { D } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  at,
  closeCampaign,
  closePosition,
  createCampaign,
  expectError,
  mark,
  openAtVersion,
  pnlByPattern,
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

describe('AAPL accumulation campaign, story scenario 1', () => {
  it('tracks Spring, SOS and LPS from entry to exit through HTTP', async () => {
    const { app, orm } = gw;
    const symbol = uniqueSymbol('AAPL');
    const c = await createCampaign(app, { name: 'AAPL range', symbol, timeframe: '1d' });
    expect(c.version).toBe(1);
    let view = await positionsOf(app, c.id);
    expect(view).toMatchObject({ campaign_id: c.id, version: 1, positions: [], ...totals() });

    const spring = await openAtVersion(app, c.id, 2, {
      pattern_type: 'SPRING',
      shares: '100',
      entry_price: '150.00',
      stop_loss: '148.00',
      entry_date: at('14:00'),
    });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(2);
    expect(totalsIn(view)).toEqual(
      totals({
        total_shares: '100.00000000',
        weighted_avg_entry: '150.00000000',
        total_risk: '200.00000000',
        initial_risk: '200.00000000',
        r_multiple: '0.00000000',
        open_positions_count: 1,
      }),
    );

    const sos = await openAtVersion(app, c.id, 3, {
      pattern_type: 'SOS',
      shares: '75',
      entry_price: '152.00',
      stop_loss: '149.50',
      entry_date: at('14:10'),
    });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(3);
    // (150 x 100 + 152 x 75) / 175 = 150.857142857...
    expect(totalsIn(view)).toEqual(
      totals({
        total_shares: '175.00000000',
        weighted_avg_entry: '150.85714286',
        total_risk: '387.50000000',
        initial_risk: '387.50000000',
        r_multiple: '0.00000000',
        open_positions_count: 2,
      }),
    );

    expect(await mark(orm, symbol, '155.00', at('14:20'))).toBe(2);
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(3);
    expect(pnlByPattern(view)).toEqual({ SPRING: '500.00000000', SOS: '225.00000000' });
    for (const p of view.positions) expect([p.current_price, p.marked_at]).toEqual(['155.00000000', at('14:20')]);
    const marked = totals({
      total_shares: '175.00000000',
      weighted_avg_entry: '150.85714286',
      total_risk: '387.50000000',
      unrealized_pnl: '725.00000000',
      total_pnl: '725.00000000',
      net_pnl: '725.00000000',
      initial_risk: '387.50000000',
      // 725 / 387.5 = 1.870967741...
      r_multiple: '1.87096774',
      open_positions_count: 2,
      as_of: at('14:20'),
    });
    expect(totalsIn(view)).toEqual(marked);

    const closed = await closePosition(app, spring.id, { exit_price: '158.00', closed_date: at('14:30') });
    expect(closed.statusCode).toBe(200);
    expect(closed.headers.etag).toBe('"4"');
    expect(closed.json()).toMatchObject({
      id: spring.id,
      status: 'CLOSED',
      exit_price: '158.00000000',
      realized_pnl: '800.00000000',
      current_price: '158.00000000',
      current_pnl: '800.00000000',
      closed_date: at('14:30'),
      marked_at: at('14:20'),
      open_shares: '0.00000000',
      initial_stop: '148.00000000',
      initial_risk: '200.00000000',
      fees: '0.00000000',
      net_pnl: '800.00000000',
      r_multiple: '4.00000000',
    });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(4);
    expect(view.positions.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
      [spring.id, 'CLOSED'],
      [sos.id, 'OPEN'],
    ]);
    const afterClose = totals({
      total_shares: '75.00000000',
      weighted_avg_entry: '152.00000000',
      total_risk: '187.50000000',
      unrealized_pnl: '225.00000000',
      realized_pnl: '800.00000000',
      total_pnl: '1025.00000000',
      net_pnl: '1025.00000000',
      initial_risk: '387.50000000',
      // 1025 / 387.5 = 2.645161290...
      r_multiple: '2.64516129',
      open_positions_count: 1,
      closed_positions_count: 1,
      as_of: at('14:20'),
    });
    expect(totalsIn(view)).toEqual(afterClose);

    const lps = await openAtVersion(app, c.id, 5, {
      pattern_type: 'LPS',
      shares: '80',
      entry_price: '153.00',
      stop_loss: '151.00',
      entry_date: at('14:40'),
    });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(5);
    // (152 x 75 + 153 x 80) / 155 = 152.516129032...
    expect(totalsIn(view)).toEqual({
      ...afterClose,
      total_shares: '155.00000000',
      weighted_avg_entry: '152.51612903',
      total_risk: '347.50000000',
      initial_risk: '547.50000000',
      // 1025 / 547.5 = 1.872146118...
      r_multiple: '1.87214612',
      open_positions_count: 2,
    });

    expectError(await closeCampaign(app, c.id), 409, 'conflict');
    expect((await positionsOf(app, c.id)).version).toBe(5);

    const sosClosed = await closePosition(app, sos.id, { exit_price: '156.00', closed_date: at('15:00') });
    expect([sosClosed.headers.etag, sosClosed.json().realized_pnl]).toEqual(['"6"', '300.00000000']);
    const lpsClosed = await closePosition(app, lps.id, { exit_price: '154.50', closed_date: at('15:00') });
    expect([lpsClosed.headers.etag, lpsClosed.json().realized_pnl]).toEqual(['"7"', '120.00000000']);

    view = await positionsOf(app, c.id);
    expect(view.version).toBe(7);
    const realized = view.positions.reduce((s: InstanceType<typeof D>, p: { realized_pnl: string }) => s.plus(p.realized_pnl), new D(0));
    expect(realized.toFixed(8)).toBe('1220.00000000');
    expect(totalsIn(view)).toEqual(
      totals({
        realized_pnl: '1220.00000000',
        total_pnl: '1220.00000000',
        net_pnl: '1220.00000000',
        initial_risk: '547.50000000',
        // 1220 / 547.5 = 2.228310502...
        r_multiple: '2.22831050',
        closed_positions_count: 3,
        as_of: at('14:20'),
      }),
    );

    const done = await closeCampaign(app, c.id);
    expect(done.statusCode).toBe(200);
    expect(done.headers.etag).toBe('"8"');
    expect(done.json()).toMatchObject({ id: c.id, status: 'CLOSED', version: 8 });
    view = await positionsOf(app, c.id);
    expect(view.version).toBe(8);
    expect(view.positions).toHaveLength(3);
  });
});
