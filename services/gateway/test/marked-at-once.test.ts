import { type Mark, markPositions } from '@cpt/application';
import { dec } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, positionsOf } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * Sections 2 and 6: a position recorded after its symbol's mark starts marked by it when the mark is
 * not before its entry_date (so marks are a function of the ticks alone, not of when a position was
 * recorded), and starts unmarked otherwise, until a tick not before its entry becomes the mark.
 */

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

const t = (hhmmss: string) => `2026-11-21T${hhmmss}.000Z`;
const tick = (symbol: string, price: string, ts: string): Mark => ({ symbol, price: dec(price), ts: new Date(ts) });
const MARK_FIELDS = ['current_price', 'current_pnl', 'marked_at', 'max_favorable_price', 'max_adverse_price', 'mfe_r', 'mae_r'];
const markOf = (p: Record<string, unknown>) => Object.fromEntries(MARK_FIELDS.map((k) => [k, p[k]]));

const long = (entry_date: string) => ({ pattern_type: 'SPRING', entry_price: '100.00', shares: '10', stop_loss: '98.00', entry_date });

describe('a position recorded after its symbol’s mark', () => {
  it('is marked at once when the mark is not before its entry_date, and not otherwise', async () => {
    const symbol = uniqueSymbol('ONCE');
    // The symbol's mark is set while no position of it exists.
    expect((await markPositions(gw.orm.em, [tick(symbol, '103.00', t('10:30:00')), tick(symbol, '90.00', t('10:29:00'))])).marked).toBe(0);

    const c = await createCampaign(gw.app, { symbol });
    const before = await openPosition(gw.app, c.id, long(t('10:00:00')));
    const atMark = await openPosition(gw.app, c.id, long(t('10:30:00')));
    const after = await openPosition(gw.app, c.id, long(t('10:45:00')));

    // Entered before (or at) the mark: it carries it at once, (103 − 100) × 10 = 30; its excursions
    // start from the entry and the mark: |103 − 100| / 2 = 1.5. The older tick at 90 was processed
    // before the position was recorded: it counts for nothing.
    const marked = {
      current_price: '103.00000000',
      current_pnl: '30.00000000',
      marked_at: t('10:30:00'),
      max_favorable_price: '103.00000000',
      max_adverse_price: '100.00000000',
      mfe_r: '1.50000000',
      mae_r: '0.00000000',
    };
    expect(markOf(before)).toEqual(marked);
    expect(markOf(atMark)).toEqual(marked);
    // Entered after the mark: unmarked, at its entry price.
    const unmarked = {
      current_price: '100.00000000',
      current_pnl: '0.00000000',
      marked_at: null,
      max_favorable_price: '100.00000000',
      max_adverse_price: '100.00000000',
      mfe_r: '0.00000000',
      mae_r: '0.00000000',
    };
    expect(markOf(after)).toEqual(unmarked);

    // The reads agree with the answers, and the totals: 30 + 30 + 0.
    let view = await positionsOf(gw.app, c.id);
    expect(view.positions.map(markOf)).toEqual([marked, marked, unmarked]);
    expect(view).toMatchObject({ unrealized_pnl: '60.00000000', as_of: t('10:30:00') });

    // A newer mark still before the last entry moves the first two only: (99 − 100) × 10 = −10.
    expect((await markPositions(gw.orm.em, [tick(symbol, '99.00', t('10:40:00'))])).marked).toBe(2);
    view = await positionsOf(gw.app, c.id);
    // The tick at 99 also moves their adverse excursions: |99 − 100| / 2 = 0.5.
    const at99 = {
      ...marked,
      current_price: '99.00000000',
      current_pnl: '-10.00000000',
      marked_at: t('10:40:00'),
      max_adverse_price: '99.00000000',
      mae_r: '0.50000000',
    };
    expect(view.positions.map(markOf)).toEqual([at99, at99, unmarked]);

    // A position recorded now, entered before the 10:40 mark, starts at 99 (the excursions of ticks
    // processed before it was recorded do not count: only the entry and the mark).
    const late = await openPosition(gw.app, c.id, long(t('10:35:00')));
    expect(markOf(late)).toEqual({
      current_price: '99.00000000',
      current_pnl: '-10.00000000',
      marked_at: t('10:40:00'),
      max_favorable_price: '100.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '0.00000000',
      mae_r: '0.50000000',
    });

    // A tick not before the last entry becomes the mark and marks it too.
    expect((await markPositions(gw.orm.em, [tick(symbol, '101.00', t('10:50:00'))])).marked).toBe(4);
    view = await positionsOf(gw.app, c.id);
    for (const p of view.positions)
      expect([p.current_price, p.current_pnl, p.marked_at]).toEqual(['101.00000000', '10.00000000', t('10:50:00')]);
  });

  it('a SHORT position is marked at once with the SHORT P&L and the mirrored excursions', async () => {
    const symbol = uniqueSymbol('ONCE');
    await markPositions(gw.orm.em, [tick(symbol, '103.00', t('11:00:00'))]);
    const c = await createCampaign(gw.app, { symbol, side: 'SHORT' });
    const p = await openPosition(gw.app, c.id, {
      pattern_type: 'UTAD',
      entry_price: '105.00',
      shares: '2',
      stop_loss: '107.00',
      entry_date: t('10:59:59'),
    });
    // (105 − 103) × 2 = 4; the favorable price of a SHORT is the lowest: |103 − 105| / 2 = 1.
    expect(markOf(p)).toEqual({
      current_price: '103.00000000',
      current_pnl: '4.00000000',
      marked_at: t('11:00:00'),
      max_favorable_price: '103.00000000',
      max_adverse_price: '105.00000000',
      mfe_r: '1.00000000',
      mae_r: '0.00000000',
    });
  });

  it('of ticks with the same ts, the first processed stays the mark a new position starts from', async () => {
    const symbol = uniqueSymbol('ONCE');
    // Within one batch, the first given of equal ts; across batches, the first processed.
    await markPositions(gw.orm.em, [tick(symbol, '102.00', t('12:00:00')), tick(symbol, '104.00', t('12:00:00'))]);
    await markPositions(gw.orm.em, [tick(symbol, '106.00', t('12:00:00'))]);
    const c = await createCampaign(gw.app, { symbol });
    const p = await openPosition(gw.app, c.id, long(t('12:00:00')));
    expect(markOf(p)).toMatchObject({ current_price: '102.00000000', current_pnl: '20.00000000', marked_at: t('12:00:00') });
  });

  it('a mark before the entry_date does not mark a position, whatever was processed before it', async () => {
    const symbol = uniqueSymbol('ONCE');
    await markPositions(gw.orm.em, [tick(symbol, '110.00', t('13:00:00'))]);
    // A late tick, older than the mark: the mark does not move back.
    await markPositions(gw.orm.em, [tick(symbol, '120.00', t('12:59:00'))]);
    const c = await createCampaign(gw.app, { symbol });
    const p = await openPosition(gw.app, c.id, long(t('13:00:00')));
    expect(markOf(p)).toMatchObject({ current_price: '110.00000000', marked_at: t('13:00:00') });
    const q = await openPosition(gw.app, c.id, { ...long(t('13:00:00')), entry_date: '2026-11-21T13:00:00.001Z' });
    expect(markOf(q)).toEqual({
      current_price: '100.00000000',
      current_pnl: '0.00000000',
      marked_at: null,
      max_favorable_price: '100.00000000',
      max_adverse_price: '100.00000000',
      mfe_r: '0.00000000',
      mae_r: '0.00000000',
    });
  });
});
