import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, campaignOf, closePosition, createCampaign, mark, moveStop, openAtVersion, positionsOf } from './api.js';
import { exitPosition, expectExit, figuresOf, type PositionFigures, type Totals8, totals8In } from './exits-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * Section 8's acceptance lifecycle: a campaign scales in, is marked, scales out in parts, and
 * every figure of every position and every total is checked after every step, exactly, against a
 * figure worked out by hand in the comment beside it.
 */

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

/**
 * Reads the campaign both ways (`GET /campaigns/{id}` and `/positions`) and asserts its version,
 * its totals, and the figures of each position (by pattern).
 */
async function expectState(
  app: FastifyInstance,
  campaignId: string,
  version: number,
  totals: Totals8,
  positions: Record<string, PositionFigures>,
) {
  const view = await positionsOf(app, campaignId);
  const campaign = await campaignOf(app, campaignId);
  expect([view.version, campaign.version]).toEqual([version, version]);
  expect(totals8In(view)).toEqual(totals);
  expect(totals8In(campaign)).toEqual(totals);
  const byPattern = Object.fromEntries(view.positions.map((p: Record<string, unknown>) => [p.pattern_type, figuresOf(p)]));
  expect(byPattern).toEqual(positions);
  return view;
}

describe('scaling out of a LONG campaign (AAPL), section 8', () => {
  it('tracks Spring and SOS through a mark, a partial exit, a trailing stop, a second mark and the last exit', async () => {
    const { app, orm } = gw;
    const symbol = uniqueSymbol('AAPL');
    const c = await createCampaign(app, { name: 'AAPL scale-out', symbol, timeframe: '1d' });
    expect(c.version).toBe(1);

    // Spring: 100 @ 150.00, stop 148.00, entry fee 1.00; no mark of the symbol yet.
    const springBody = {
      pattern_type: 'SPRING',
      shares: '100',
      entry_price: '150.00',
      stop_loss: '148.00',
      entry_fee: '1.00',
      entry_date: at('14:00'),
    };
    const spring = await openAtVersion(app, c.id, 2, springBody);
    const spring0: PositionFigures = {
      signal_id: null,
      symbol,
      timeframe: '1d',
      pattern_type: 'SPRING',
      status: 'OPEN',
      entry_date: at('14:00'),
      entry_price: '150.00000000',
      shares: '100.00000000',
      open_shares: '100.00000000',
      stop_loss: '148.00000000',
      initial_stop: '148.00000000',
      // (150 − 148) × 100 = 200
      initial_risk: '200.00000000',
      entry_fee: '1.00000000',
      fees: '1.00000000',
      // Unmarked: the entry price, no P&L.
      current_price: '150.00000000',
      current_pnl: '0.00000000',
      realized_pnl: null,
      // 0 + 0 − 1 = −1
      net_pnl: '-1.00000000',
      // −1 / 200 = −0.005
      r_multiple: '-0.00500000',
      exit_price: null,
      closed_date: null,
      marked_at: null,
      exits: [],
    };
    expect(figuresOf(spring)).toEqual(spring0);
    await expectState(
      app,
      c.id,
      2,
      {
        total_shares: '100.00000000',
        weighted_avg_entry: '150.00000000',
        total_risk: '200.00000000',
        unrealized_pnl: '0.00000000',
        realized_pnl: '0.00000000',
        total_pnl: '0.00000000',
        total_fees: '1.00000000',
        net_pnl: '-1.00000000',
        initial_risk: '200.00000000',
        r_multiple: '-0.00500000',
        open_positions_count: 1,
        closed_positions_count: 0,
        breached_positions_count: 0,
        as_of: null,
      },
      { SPRING: spring0 },
    );

    // SOS: 50 @ 152.00, stop 150.00, entry fee 1.00.
    const sos = await openAtVersion(app, c.id, 3, {
      pattern_type: 'SOS',
      shares: '50',
      entry_price: '152.00',
      stop_loss: '150.00',
      entry_fee: '1.00',
      entry_date: at('14:10'),
    });
    const sos0: PositionFigures = {
      ...spring0,
      pattern_type: 'SOS',
      entry_date: at('14:10'),
      entry_price: '152.00000000',
      shares: '50.00000000',
      open_shares: '50.00000000',
      stop_loss: '150.00000000',
      initial_stop: '150.00000000',
      // (152 − 150) × 50 = 100
      initial_risk: '100.00000000',
      current_price: '152.00000000',
      // 0 + 0 − 1 = −1
      net_pnl: '-1.00000000',
      // −1 / 100 = −0.01
      r_multiple: '-0.01000000',
    };
    expect(figuresOf(sos)).toEqual(sos0);
    await expectState(
      app,
      c.id,
      3,
      {
        // 100 + 50
        total_shares: '150.00000000',
        // (150 × 100 + 152 × 50) / 150 = 22600 / 150 = 150.6666…
        weighted_avg_entry: '150.66666667',
        // 200 + 100
        total_risk: '300.00000000',
        unrealized_pnl: '0.00000000',
        realized_pnl: '0.00000000',
        total_pnl: '0.00000000',
        // 1 + 1
        total_fees: '2.00000000',
        // 0 − 2
        net_pnl: '-2.00000000',
        // 200 + 100
        initial_risk: '300.00000000',
        // −2 / 300 = −0.0066666…
        r_multiple: '-0.00666667',
        open_positions_count: 2,
        closed_positions_count: 0,
        breached_positions_count: 0,
        as_of: null,
      },
      { SPRING: spring0, SOS: sos0 },
    );

    // Mark 156.00: both positions carry it.
    expect(await mark(orm, symbol, '156.00', at('14:20'))).toBe(2);
    const spring1: PositionFigures = {
      ...spring0,
      current_price: '156.00000000',
      // (156 − 150) × 100 = 600
      current_pnl: '600.00000000',
      // 600 − 1 = 599
      net_pnl: '599.00000000',
      // 599 / 200 = 2.995
      r_multiple: '2.99500000',
      marked_at: at('14:20'),
    };
    const sos1: PositionFigures = {
      ...sos0,
      current_price: '156.00000000',
      // (156 − 152) × 50 = 200
      current_pnl: '200.00000000',
      // 200 − 1 = 199
      net_pnl: '199.00000000',
      // 199 / 100 = 1.99
      r_multiple: '1.99000000',
      marked_at: at('14:20'),
    };
    const marked156: Totals8 = {
      total_shares: '150.00000000',
      weighted_avg_entry: '150.66666667',
      total_risk: '300.00000000',
      // 600 + 200
      unrealized_pnl: '800.00000000',
      realized_pnl: '0.00000000',
      total_pnl: '800.00000000',
      total_fees: '2.00000000',
      // 800 − 2
      net_pnl: '798.00000000',
      initial_risk: '300.00000000',
      // 798 / 300 = 2.66
      r_multiple: '2.66000000',
      open_positions_count: 2,
      closed_positions_count: 0,
      breached_positions_count: 0,
      as_of: at('14:20'),
    };
    await expectState(app, c.id, 3, marked156, { SPRING: spring1, SOS: sos1 });

    // Exit 50 of the Spring @ 156.00, fee 1.00: it is reduced, not closed.
    const first = expectExit(await exitPosition(app, spring.id, { shares: '50', price: '156.00', date: at('14:30'), fee: '1.00' }), 4);
    // (156 − 150) × 50 = 300
    const exit1 = { shares: '50.00000000', price: '156.00000000', date: at('14:30'), fee: '1.00000000', realized_pnl: '300.00000000' };
    expect(first.exit).toEqual({ id: expect.any(String), position_id: spring.id, ...exit1 });
    const spring2: PositionFigures = {
      ...spring1,
      // 100 − 50; `shares` keeps the size at entry.
      open_shares: '50.00000000',
      // 1 + 1
      fees: '2.00000000',
      // The P&L of the 50 open shares at the mark: (156 − 150) × 50 = 300
      current_pnl: '300.00000000',
      // The exit's
      realized_pnl: '300.00000000',
      // 300 + 300 − 2 = 598
      net_pnl: '598.00000000',
      // 598 / 200 = 2.99 (initial risk unchanged: all 100 shares at the initial stop)
      r_multiple: '2.99000000',
      exits: [exit1],
    };
    expect(figuresOf(first.position)).toEqual(spring2);
    const reduced: Totals8 = {
      // 50 + 50
      total_shares: '100.00000000',
      // (150 × 50 + 152 × 50) / 100 = 151
      weighted_avg_entry: '151.00000000',
      // (150 − 148) × 50 + (152 − 150) × 50 = 100 + 100
      total_risk: '200.00000000',
      // 300 + 200
      unrealized_pnl: '500.00000000',
      // the Spring's exit, though the Spring is still OPEN
      realized_pnl: '300.00000000',
      // 500 + 300
      total_pnl: '800.00000000',
      // 2 + 1
      total_fees: '3.00000000',
      // 800 − 3
      net_pnl: '797.00000000',
      initial_risk: '300.00000000',
      // 797 / 300 = 2.656666…
      r_multiple: '2.65666667',
      open_positions_count: 2,
      closed_positions_count: 0,
      breached_positions_count: 0,
      as_of: at('14:20'),
    };
    await expectState(app, c.id, 4, reduced, { SPRING: spring2, SOS: sos1 });

    // The stop of the Spring's other 50 shares moves up to 152.00, past its entry.
    const moved = await moveStop(app, spring.id, { stop_loss: '152.00' });
    expect([moved.statusCode, moved.headers.etag], moved.body).toEqual([200, '"5"']);
    // Only stop_loss changes: the initial stop and risk stay, and so do net P&L and R.
    const spring3: PositionFigures = { ...spring2, stop_loss: '152.00000000' };
    expect(figuresOf(moved.json())).toEqual(spring3);
    await expectState(
      app,
      c.id,
      5,
      // (150 − 152) × 50 + (152 − 150) × 50 = −100 + 100 = 0
      { ...reduced, total_risk: '0.00000000' },
      { SPRING: spring3, SOS: sos1 },
    );

    // Mark 158.00.
    expect(await mark(orm, symbol, '158.00', at('14:40'))).toBe(2);
    const spring4: PositionFigures = {
      ...spring3,
      current_price: '158.00000000',
      // (158 − 150) × 50 = 400
      current_pnl: '400.00000000',
      // 300 + 400 − 2 = 698
      net_pnl: '698.00000000',
      // 698 / 200 = 3.49
      r_multiple: '3.49000000',
      marked_at: at('14:40'),
    };
    const sos4: PositionFigures = {
      ...sos1,
      current_price: '158.00000000',
      // (158 − 152) × 50 = 300
      current_pnl: '300.00000000',
      // 300 − 1 = 299
      net_pnl: '299.00000000',
      // 299 / 100 = 2.99
      r_multiple: '2.99000000',
      marked_at: at('14:40'),
    };
    await expectState(
      app,
      c.id,
      5,
      {
        total_shares: '100.00000000',
        weighted_avg_entry: '151.00000000',
        total_risk: '0.00000000',
        // 400 + 300
        unrealized_pnl: '700.00000000',
        realized_pnl: '300.00000000',
        // 700 + 300
        total_pnl: '1000.00000000',
        total_fees: '3.00000000',
        // 1000 − 3
        net_pnl: '997.00000000',
        initial_risk: '300.00000000',
        // 997 / 300 = 3.323333…
        r_multiple: '3.32333333',
        open_positions_count: 2,
        closed_positions_count: 0,
        breached_positions_count: 0,
        as_of: at('14:40'),
      },
      { SPRING: spring4, SOS: sos4 },
    );

    // Exit the last 50 of the Spring @ 158.00, fee 1.00: it closes.
    const last = expectExit(await exitPosition(app, spring.id, { shares: '50', price: '158.00', date: at('14:50'), fee: '1.00' }), 6);
    // (158 − 150) × 50 = 400
    const exit2 = { shares: '50.00000000', price: '158.00000000', date: at('14:50'), fee: '1.00000000', realized_pnl: '400.00000000' };
    expect(last.exit).toEqual({ id: expect.any(String), position_id: spring.id, ...exit2 });
    expect(last.exit.id).not.toBe(first.exit.id);
    const spring5: PositionFigures = {
      ...spring4,
      status: 'CLOSED',
      open_shares: '0.00000000',
      // 2 + 1
      fees: '3.00000000',
      // (156 × 50 + 158 × 50) / 100 = 157
      exit_price: '157.00000000',
      closed_date: at('14:50'),
      // frozen at the exit price
      current_price: '157.00000000',
      // 300 + 400 = 700, and current_pnl equals it once CLOSED
      realized_pnl: '700.00000000',
      current_pnl: '700.00000000',
      // 700 − 3 = 697
      net_pnl: '697.00000000',
      // 697 / 200 = 3.485
      r_multiple: '3.48500000',
      exits: [exit1, exit2],
    };
    expect(figuresOf(last.position)).toEqual(spring5);
    const view = await expectState(
      app,
      c.id,
      6,
      {
        // the SOS alone
        total_shares: '50.00000000',
        weighted_avg_entry: '152.00000000',
        // (152 − 150) × 50
        total_risk: '100.00000000',
        // the SOS's
        unrealized_pnl: '300.00000000',
        // the Spring's 700
        realized_pnl: '700.00000000',
        // 300 + 700
        total_pnl: '1000.00000000',
        // 3 + 1
        total_fees: '4.00000000',
        // 1000 − 4
        net_pnl: '996.00000000',
        initial_risk: '300.00000000',
        // 996 / 300 = 3.32
        r_multiple: '3.32000000',
        open_positions_count: 1,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: at('14:40'),
      },
      { SPRING: spring5, SOS: sos4 },
    );
    // The exits the position lists are the ones the endpoint answered with.
    const listed = view.positions.find((p: { id: string }) => p.id === spring.id);
    expect(listed.exits.map((e: { id: string }) => e.id)).toEqual([first.exit.id, last.exit.id]);
    expect(sos.id).not.toBe(spring.id);
  });
});

describe('scaling out of a SHORT campaign, section 8 mirrored', () => {
  it('tracks UTAD and SOW with stops above and exits below the entry', async () => {
    const { app, orm } = gw;
    const symbol = uniqueSymbol('DIST');
    const c = await createCampaign(app, { name: 'distribution scale-out', symbol, timeframe: '4h', side: 'SHORT' });

    // UTAD: short 100 @ 50.00, stop 52.00, entry fee 1.00.
    const utad = await openAtVersion(app, c.id, 2, {
      pattern_type: 'UTAD',
      shares: '100',
      entry_price: '50.00',
      stop_loss: '52.00',
      entry_fee: '1.00',
      entry_date: at('14:00'),
    });
    const utad0: PositionFigures = {
      signal_id: null,
      symbol,
      timeframe: '4h',
      pattern_type: 'UTAD',
      status: 'OPEN',
      entry_date: at('14:00'),
      entry_price: '50.00000000',
      shares: '100.00000000',
      open_shares: '100.00000000',
      stop_loss: '52.00000000',
      initial_stop: '52.00000000',
      // (52 − 50) × 100 = 200
      initial_risk: '200.00000000',
      entry_fee: '1.00000000',
      fees: '1.00000000',
      current_price: '50.00000000',
      current_pnl: '0.00000000',
      realized_pnl: null,
      // −1
      net_pnl: '-1.00000000',
      // −1 / 200
      r_multiple: '-0.00500000',
      exit_price: null,
      closed_date: null,
      marked_at: null,
      exits: [],
    };
    expect(figuresOf(utad)).toEqual(utad0);

    // SOW: short 50 @ 48.00, stop 50.00, entry fee 1.00.
    const sow = await openAtVersion(app, c.id, 3, {
      pattern_type: 'SOW',
      shares: '50',
      entry_price: '48.00',
      stop_loss: '50.00',
      entry_fee: '1.00',
      entry_date: at('14:10'),
    });
    const sow0: PositionFigures = {
      ...utad0,
      pattern_type: 'SOW',
      entry_date: at('14:10'),
      entry_price: '48.00000000',
      shares: '50.00000000',
      open_shares: '50.00000000',
      stop_loss: '50.00000000',
      initial_stop: '50.00000000',
      // (50 − 48) × 50 = 100
      initial_risk: '100.00000000',
      current_price: '48.00000000',
      // −1 / 100
      r_multiple: '-0.01000000',
    };
    expect(figuresOf(sow)).toEqual(sow0);
    await expectState(
      app,
      c.id,
      3,
      {
        total_shares: '150.00000000',
        // (50 × 100 + 48 × 50) / 150 = 7400 / 150 = 49.3333…
        weighted_avg_entry: '49.33333333',
        // 200 + 100
        total_risk: '300.00000000',
        unrealized_pnl: '0.00000000',
        realized_pnl: '0.00000000',
        total_pnl: '0.00000000',
        total_fees: '2.00000000',
        net_pnl: '-2.00000000',
        initial_risk: '300.00000000',
        // −2 / 300
        r_multiple: '-0.00666667',
        open_positions_count: 2,
        closed_positions_count: 0,
        breached_positions_count: 0,
        as_of: null,
      },
      { UTAD: utad0, SOW: sow0 },
    );

    // Mark 44.00: the price falls, the shorts gain.
    expect(await mark(orm, symbol, '44.00', at('14:20'))).toBe(2);
    const utad1: PositionFigures = {
      ...utad0,
      current_price: '44.00000000',
      // (50 − 44) × 100 = 600
      current_pnl: '600.00000000',
      net_pnl: '599.00000000',
      // 599 / 200
      r_multiple: '2.99500000',
      marked_at: at('14:20'),
    };
    const sow1: PositionFigures = {
      ...sow0,
      current_price: '44.00000000',
      // (48 − 44) × 50 = 200
      current_pnl: '200.00000000',
      net_pnl: '199.00000000',
      r_multiple: '1.99000000',
      marked_at: at('14:20'),
    };
    await expectState(
      app,
      c.id,
      3,
      {
        total_shares: '150.00000000',
        weighted_avg_entry: '49.33333333',
        total_risk: '300.00000000',
        unrealized_pnl: '800.00000000',
        realized_pnl: '0.00000000',
        total_pnl: '800.00000000',
        total_fees: '2.00000000',
        net_pnl: '798.00000000',
        initial_risk: '300.00000000',
        // 798 / 300
        r_multiple: '2.66000000',
        open_positions_count: 2,
        closed_positions_count: 0,
        breached_positions_count: 0,
        as_of: at('14:20'),
      },
      { UTAD: utad1, SOW: sow1 },
    );

    // Cover 50 of the UTAD @ 44.00, fee 1.00.
    const first = expectExit(await exitPosition(app, utad.id, { shares: 50, price: 44, date: at('14:30'), fee: 1 }), 4);
    // (50 − 44) × 50 = 300
    const exit1 = { shares: '50.00000000', price: '44.00000000', date: at('14:30'), fee: '1.00000000', realized_pnl: '300.00000000' };
    expect(first.exit).toEqual({ id: expect.any(String), position_id: utad.id, ...exit1 });
    const utad2: PositionFigures = {
      ...utad1,
      open_shares: '50.00000000',
      fees: '2.00000000',
      // (50 − 44) × 50 = 300 on the open half
      current_pnl: '300.00000000',
      realized_pnl: '300.00000000',
      // 300 + 300 − 2
      net_pnl: '598.00000000',
      // 598 / 200
      r_multiple: '2.99000000',
      exits: [exit1],
    };
    expect(figuresOf(first.position)).toEqual(utad2);
    const reduced: Totals8 = {
      total_shares: '100.00000000',
      // (50 × 50 + 48 × 50) / 100 = 49
      weighted_avg_entry: '49.00000000',
      // (52 − 50) × 50 + (50 − 48) × 50
      total_risk: '200.00000000',
      // 300 + 200
      unrealized_pnl: '500.00000000',
      realized_pnl: '300.00000000',
      total_pnl: '800.00000000',
      total_fees: '3.00000000',
      net_pnl: '797.00000000',
      initial_risk: '300.00000000',
      // 797 / 300
      r_multiple: '2.65666667',
      open_positions_count: 2,
      closed_positions_count: 0,
      breached_positions_count: 0,
      as_of: at('14:20'),
    };
    await expectState(app, c.id, 4, reduced, { UTAD: utad2, SOW: sow1 });

    // The UTAD's stop comes down to 48.00, below its entry.
    const moved = await moveStop(app, utad.id, { stop_loss: '48.00' });
    expect([moved.statusCode, moved.headers.etag], moved.body).toEqual([200, '"5"']);
    const utad3: PositionFigures = { ...utad2, stop_loss: '48.00000000' };
    expect(figuresOf(moved.json())).toEqual(utad3);
    // (48 − 50) × 50 + (50 − 48) × 50 = −100 + 100 = 0
    await expectState(app, c.id, 5, { ...reduced, total_risk: '0.00000000' }, { UTAD: utad3, SOW: sow1 });

    // Mark 42.00.
    expect(await mark(orm, symbol, '42.00', at('14:40'))).toBe(2);
    const utad4: PositionFigures = {
      ...utad3,
      current_price: '42.00000000',
      // (50 − 42) × 50 = 400
      current_pnl: '400.00000000',
      // 300 + 400 − 2
      net_pnl: '698.00000000',
      r_multiple: '3.49000000',
      marked_at: at('14:40'),
    };
    const sow4: PositionFigures = {
      ...sow1,
      current_price: '42.00000000',
      // (48 − 42) × 50 = 300
      current_pnl: '300.00000000',
      net_pnl: '299.00000000',
      r_multiple: '2.99000000',
      marked_at: at('14:40'),
    };
    await expectState(
      app,
      c.id,
      5,
      {
        ...reduced,
        total_risk: '0.00000000',
        unrealized_pnl: '700.00000000',
        total_pnl: '1000.00000000',
        net_pnl: '997.00000000',
        r_multiple: '3.32333333',
        as_of: at('14:40'),
      },
      { UTAD: utad4, SOW: sow4 },
    );

    // Cover the last 50 @ 42.00, fee 1.00: closed at the average of 44 and 42.
    const last = expectExit(await exitPosition(app, utad.id, { shares: '50', price: '42.00', date: at('14:50'), fee: '1.00' }), 6);
    // (50 − 42) × 50 = 400
    const exit2 = { shares: '50.00000000', price: '42.00000000', date: at('14:50'), fee: '1.00000000', realized_pnl: '400.00000000' };
    const utad5: PositionFigures = {
      ...utad4,
      status: 'CLOSED',
      open_shares: '0.00000000',
      fees: '3.00000000',
      // (44 × 50 + 42 × 50) / 100 = 43
      exit_price: '43.00000000',
      closed_date: at('14:50'),
      current_price: '43.00000000',
      realized_pnl: '700.00000000',
      current_pnl: '700.00000000',
      // 700 − 3
      net_pnl: '697.00000000',
      // 697 / 200
      r_multiple: '3.48500000',
      exits: [exit1, exit2],
    };
    expect(figuresOf(last.position)).toEqual(utad5);
    await expectState(
      app,
      c.id,
      6,
      {
        total_shares: '50.00000000',
        weighted_avg_entry: '48.00000000',
        // (50 − 48) × 50
        total_risk: '100.00000000',
        unrealized_pnl: '300.00000000',
        realized_pnl: '700.00000000',
        total_pnl: '1000.00000000',
        // 3 + 1
        total_fees: '4.00000000',
        net_pnl: '996.00000000',
        initial_risk: '300.00000000',
        r_multiple: '3.32000000',
        open_positions_count: 1,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: at('14:40'),
      },
      { UTAD: utad5, SOW: sow4 },
    );
  });
});

describe('close after a partial exit, and positions without partial exits', () => {
  it('closes the remaining open shares at exit_price; the position’s exit_price is the share-weighted average of all its exits', async () => {
    const { app } = gw;
    const c = await createCampaign(app, { symbol: uniqueSymbol('CL') });
    const p = await openAtVersion(app, c.id, 2, {
      pattern_type: 'SPRING',
      shares: '30',
      entry_price: '20.00',
      stop_loss: '19.00',
      entry_fee: '0.25',
      entry_date: at('09:00'),
    });
    const part = expectExit(await exitPosition(app, p.id, { shares: '10', price: '21.00', date: at('10:00'), fee: '0.10' }), 3);
    // (21 − 20) × 10 = 10
    const exit1 = { shares: '10.00000000', price: '21.00000000', date: at('10:00'), fee: '0.10000000', realized_pnl: '10.00000000' };
    const reduced: PositionFigures = {
      signal_id: null,
      symbol: c.symbol,
      timeframe: '1h',
      pattern_type: 'SPRING',
      status: 'OPEN',
      entry_date: at('09:00'),
      entry_price: '20.00000000',
      shares: '30.00000000',
      open_shares: '20.00000000',
      stop_loss: '19.00000000',
      initial_stop: '19.00000000',
      // (20 − 19) × 30
      initial_risk: '30.00000000',
      entry_fee: '0.25000000',
      // 0.25 + 0.10
      fees: '0.35000000',
      // never marked: the entry price, so (20 − 20) × 20 = 0
      current_price: '20.00000000',
      current_pnl: '0.00000000',
      realized_pnl: '10.00000000',
      // 10 + 0 − 0.35
      net_pnl: '9.65000000',
      // 9.65 / 30 = 0.3216666…
      r_multiple: '0.32166667',
      exit_price: null,
      closed_date: null,
      marked_at: null,
      exits: [exit1],
    };
    expect(figuresOf(part.position)).toEqual(reduced);

    const closed = await closePosition(app, p.id, { exit_price: '21.50', closed_date: at('11:00'), fee: '0.15' });
    expect([closed.statusCode, closed.headers.etag], closed.body).toEqual([200, '"4"']);
    // The close is an exit of the 20 open shares: (21.5 − 20) × 20 = 30.
    const exit2 = { shares: '20.00000000', price: '21.50000000', date: at('11:00'), fee: '0.15000000', realized_pnl: '30.00000000' };
    const done: PositionFigures = {
      ...reduced,
      status: 'CLOSED',
      open_shares: '0.00000000',
      // 0.25 + 0.10 + 0.15
      fees: '0.50000000',
      // (21 × 10 + 21.5 × 20) / 30 = 640 / 30 = 21.3333…
      exit_price: '21.33333333',
      current_price: '21.33333333',
      closed_date: at('11:00'),
      // 10 + 30
      realized_pnl: '40.00000000',
      current_pnl: '40.00000000',
      // 40 − 0.5
      net_pnl: '39.50000000',
      // 39.5 / 30 = 1.3166666…
      r_multiple: '1.31666667',
      exits: [exit1, exit2],
    };
    expect(figuresOf(closed.json())).toEqual(done);
    await expectState(
      app,
      c.id,
      4,
      {
        total_shares: '0.00000000',
        weighted_avg_entry: '0.00000000',
        total_risk: '0.00000000',
        unrealized_pnl: '0.00000000',
        realized_pnl: '40.00000000',
        total_pnl: '40.00000000',
        total_fees: '0.50000000',
        net_pnl: '39.50000000',
        initial_risk: '30.00000000',
        r_multiple: '1.31666667',
        open_positions_count: 0,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: null,
      },
      { SPRING: done },
    );
  });

  it('rounds the average exit price and R once, half-even', async () => {
    const { app } = gw;
    const c = await createCampaign(app, { symbol: uniqueSymbol('HE') });
    const p = await openAtVersion(app, c.id, 2, {
      pattern_type: 'SPRING',
      shares: '2',
      entry_price: '10',
      stop_loss: '9',
      entry_date: at('09:00'),
    });
    expectExit(await exitPosition(app, p.id, { shares: '1', price: '10.00000000', date: at('09:30') }), 3);
    const closed = await closePosition(app, p.id, { exit_price: '10.00000001', closed_date: at('10:00') });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(figuresOf(closed.json())).toMatchObject({
      // (10 × 1 + 10.00000001 × 1) / 2 = 10.000000005: half-even keeps the even 0 (half-up would give …01)
      exit_price: '10.00000000',
      current_price: '10.00000000',
      // 0 + (10.00000001 − 10) × 1
      realized_pnl: '0.00000001',
      net_pnl: '0.00000001',
      // (10 − 9) × 2 = 2
      initial_risk: '2.00000000',
      // 0.00000001 / 2 = 0.000000005, half-even → 0
      r_multiple: '0.00000000',
    });
  });

  it('gives exactly the figures of section 2 to positions that are opened, marked and closed in one piece, without fees', async () => {
    const { app, orm } = gw;
    const symbol = uniqueSymbol('GBP');
    const c = await createCampaign(app, { symbol, timeframe: '1h' });
    // Section 2's example: 8000 @ 1.25, stop 1.245, marked 1.2575.
    const p = await openAtVersion(app, c.id, 2, {
      pattern_type: 'SPRING',
      entry_price: '1.25',
      shares: '8000',
      stop_loss: '1.245',
      entry_date: at('09:00'),
    });
    expect(await mark(orm, symbol, '1.2575', at('10:00'))).toBe(1);
    const open: PositionFigures = {
      signal_id: null,
      symbol,
      timeframe: '1h',
      pattern_type: 'SPRING',
      status: 'OPEN',
      entry_date: at('09:00'),
      entry_price: '1.25000000',
      shares: '8000.00000000',
      open_shares: '8000.00000000',
      stop_loss: '1.24500000',
      initial_stop: '1.24500000',
      // (1.25 − 1.245) × 8000 = 40
      initial_risk: '40.00000000',
      entry_fee: '0.00000000',
      fees: '0.00000000',
      current_price: '1.25750000',
      // (1.2575 − 1.25) × 8000 = 60, as in section 2
      current_pnl: '60.00000000',
      realized_pnl: null,
      net_pnl: '60.00000000',
      // 60 / 40
      r_multiple: '1.50000000',
      exit_price: null,
      closed_date: null,
      marked_at: at('10:00'),
      exits: [],
    };
    await expectState(
      app,
      c.id,
      2,
      {
        total_shares: '8000.00000000',
        weighted_avg_entry: '1.25000000',
        total_risk: '40.00000000',
        unrealized_pnl: '60.00000000',
        realized_pnl: '0.00000000',
        total_pnl: '60.00000000',
        total_fees: '0.00000000',
        net_pnl: '60.00000000',
        initial_risk: '40.00000000',
        r_multiple: '1.50000000',
        open_positions_count: 1,
        closed_positions_count: 0,
        breached_positions_count: 0,
        as_of: at('10:00'),
      },
      { SPRING: open },
    );

    const closed = await closePosition(app, p.id, { exit_price: '1.2625', closed_date: at('11:00') });
    expect([closed.statusCode, closed.headers.etag], closed.body).toEqual([200, '"3"']);
    // Section 2: exit_price as given, realized_pnl the P&L formula at it, current_* frozen there.
    // (1.2625 − 1.25) × 8000 = 100
    const done: PositionFigures = {
      ...open,
      status: 'CLOSED',
      open_shares: '0.00000000',
      exit_price: '1.26250000',
      closed_date: at('11:00'),
      current_price: '1.26250000',
      realized_pnl: '100.00000000',
      current_pnl: '100.00000000',
      net_pnl: '100.00000000',
      // 100 / 40
      r_multiple: '2.50000000',
      exits: [{ shares: '8000.00000000', price: '1.26250000', date: at('11:00'), fee: '0.00000000', realized_pnl: '100.00000000' }],
    };
    expect(figuresOf(closed.json())).toEqual(done);
    await expectState(
      app,
      c.id,
      3,
      {
        total_shares: '0.00000000',
        weighted_avg_entry: '0.00000000',
        total_risk: '0.00000000',
        unrealized_pnl: '0.00000000',
        realized_pnl: '100.00000000',
        total_pnl: '100.00000000',
        total_fees: '0.00000000',
        net_pnl: '100.00000000',
        initial_risk: '40.00000000',
        r_multiple: '2.50000000',
        open_positions_count: 0,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: at('10:00'),
      },
      { SPRING: done },
    );
  });
});
