import { type Mark, markPositions } from '@cpt/application';
import { dec } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, closePosition, createCampaign, openPosition, positionsOf } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * Section 9's excursions, through the gateway's reads, with ticks applied as the position service
 * applies a batch (one `markPositions` call per batch): every tick of a batch moves them, not only
 * the one that becomes the mark; a late tick moves them too; a tick before the entry or after the
 * close moves nothing; a closed position keeps its figures.
 */

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

/** One batch of ticks of a symbol: [price, time] pairs, as the consumer hands them to markPositions. */
const batch = (symbol: string, ticks: [string, string][]) =>
  markPositions(
    gw.orm.em,
    ticks.map(([price, ts]): Mark => ({ symbol, price: dec(price), ts: new Date(ts) })),
  );

/** The fields section 9 adds, and those of the mark. */
const EXCURSION_FIELDS = ['max_favorable_price', 'max_adverse_price', 'mfe_r', 'mae_r', 'current_price', 'current_pnl', 'marked_at'];
const figures = (p: Record<string, unknown>) => Object.fromEntries(EXCURSION_FIELDS.map((k) => [k, p[k]]));

async function positionOf(campaignId: string, positionId: string): Promise<Record<string, unknown>> {
  const view = await positionsOf(gw.app, campaignId);
  const p = view.positions.find((x: { id: string }) => x.id === positionId);
  expect(p).toBeDefined();
  return p;
}

interface Case {
  side: 'LONG' | 'SHORT';
  pattern: string;
  stop: string;
  /** The four ticks of the batch, in time order; the last becomes the mark. */
  ticks: [string, string, string, string];
  /** After the batch. */
  batch: Record<string, unknown>;
  /** The late tick's price (older than the mark, after the entry): it moves the favorable price only. */
  late: string;
  afterLate: Record<string, unknown>;
  /** The close, and the position's figures after it. */
  exitPrice: string;
  closed: Record<string, unknown>;
}

const CASES: Case[] = [
  {
    // LONG 100 stop 98: the risk per share is 2.
    side: 'LONG',
    pattern: 'SPRING',
    stop: '98.00',
    ticks: ['101.00', '104.00', '99.00', '103.00'],
    batch: {
      // The highest of 100 (entry), 101, 104, 99, 103; the lowest of the same.
      max_favorable_price: '104.00000000',
      max_adverse_price: '99.00000000',
      // |104 − 100| / 2 = 2; |99 − 100| / 2 = 0.5.
      mfe_r: '2.00000000',
      mae_r: '0.50000000',
      // Only the newest tick is the mark: (103 − 100) × 10 = 30.
      current_price: '103.00000000',
      current_pnl: '30.00000000',
      marked_at: at('10:04'),
    },
    late: '105.00',
    afterLate: {
      // 105 is the new highest: |105 − 100| / 2 = 2.5; the mark stays at 103.
      max_favorable_price: '105.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      current_price: '103.00000000',
      current_pnl: '30.00000000',
      marked_at: at('10:04'),
    },
    exitPrice: '104.00',
    closed: {
      max_favorable_price: '105.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      // Frozen at the exit: (104 − 100) × 10 = 40.
      current_price: '104.00000000',
      current_pnl: '40.00000000',
      marked_at: at('10:04'),
    },
  },
  {
    // SHORT 100 stop 102: the mirror. The favorable price is the lowest.
    side: 'SHORT',
    pattern: 'UTAD',
    stop: '102.00',
    ticks: ['99.00', '96.00', '101.00', '97.00'],
    batch: {
      max_favorable_price: '96.00000000',
      max_adverse_price: '101.00000000',
      // |96 − 100| / 2 = 2; |101 − 100| / 2 = 0.5.
      mfe_r: '2.00000000',
      mae_r: '0.50000000',
      // (100 − 97) × 10 = 30.
      current_price: '97.00000000',
      current_pnl: '30.00000000',
      marked_at: at('10:04'),
    },
    late: '95.00',
    afterLate: {
      max_favorable_price: '95.00000000',
      max_adverse_price: '101.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      current_price: '97.00000000',
      current_pnl: '30.00000000',
      marked_at: at('10:04'),
    },
    exitPrice: '96.00',
    closed: {
      max_favorable_price: '95.00000000',
      max_adverse_price: '101.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      // (100 − 96) × 10 = 40.
      current_price: '96.00000000',
      current_pnl: '40.00000000',
      marked_at: at('10:04'),
    },
  },
];

describe('excursions move with every tick (section 9)', () => {
  for (const k of CASES) {
    it(`${k.side} 100.00 stop ${k.stop}: the batch, a late tick, a tick before the entry, the close`, async () => {
      const symbol = uniqueSymbol('EXC');
      const c = await createCampaign(gw.app, { symbol, side: k.side });
      const opened = await openPosition(gw.app, c.id, {
        pattern_type: k.pattern,
        entry_price: '100.00',
        shares: '10',
        stop_loss: k.stop,
        entry_date: at('10:00'),
      });
      // Not marked yet: both excursions start at the entry price.
      expect(figures(opened)).toEqual({
        max_favorable_price: '100.00000000',
        max_adverse_price: '100.00000000',
        mfe_r: '0.00000000',
        mae_r: '0.00000000',
        current_price: '100.00000000',
        current_pnl: '0.00000000',
        marked_at: null,
      });

      // Four ticks in ONE batch, given out of time order: only the newest (10:04) becomes the mark.
      const [t1, t2, t3, t4] = k.ticks;
      const first = await batch(symbol, [
        [t2, at('10:02')],
        [t4, at('10:04')],
        [t1, at('10:01')],
        [t3, at('10:03')],
      ]);
      expect([first.marked, first.events.length]).toEqual([1, 1]);
      expect(first.events[0]?.changed_positions[0]).toMatchObject({ id: opened.id, ...k.batch });
      expect(figures(await positionOf(c.id, opened.id))).toEqual(k.batch);

      // A late tick (older than the mark, after the entry) moves the favorable price; the mark stays.
      const late = await batch(symbol, [[k.late, '2026-11-20T10:02:30.000Z']]);
      expect(late.marked).toBe(1);
      expect(figures(await positionOf(c.id, opened.id))).toEqual(k.afterLate);

      // Ticks before the entry move nothing, however far they go either way.
      const before = await positionOf(c.id, opened.id);
      const early = await batch(symbol, [
        ['1.00', at('09:59')],
        ['500.00', '2026-11-20T09:59:59.999Z'],
      ]);
      expect([early.marked, early.events.length]).toEqual([0, 0]);
      expect(await positionOf(c.id, opened.id)).toEqual(before);

      // The close freezes the figures.
      const closed = await closePosition(gw.app, opened.id, { exit_price: k.exitPrice, closed_date: at('10:05') });
      expect(closed.statusCode, closed.body).toBe(200);
      expect(figures(closed.json())).toEqual(k.closed);
      // (±4 × 10) / 20 = 2.
      expect(closed.json()).toMatchObject({ status: 'CLOSED', realized_pnl: '40.00000000', r_multiple: '2.00000000' });

      // After the close nothing moves: newer ticks, a late tick between the entry and the close, extremes either way.
      const frozen = await positionOf(c.id, opened.id);
      for (const ticks of [
        [
          ['1.00', at('10:06')],
          ['900.00', at('10:07')],
        ],
        [
          ['2.00', '2026-11-20T10:03:30.000Z'],
          ['800.00', '2026-11-20T10:04:30.000Z'],
        ],
      ] as [string, string][][]) {
        const after = await batch(symbol, ticks);
        expect([after.marked, after.events.length]).toEqual([0, 0]);
      }
      expect(await positionOf(c.id, opened.id)).toEqual(frozen);
      expect(figures(frozen)).toEqual(k.closed);
    });
  }
});
