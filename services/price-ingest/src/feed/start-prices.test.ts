import type { CampaignListJson, CampaignPositionsJson, PositionJson } from '@cpt/contracts';
import { describe, expect, it } from 'vitest';
import { type CampaignSource, chooseStartPrices, DEFAULT_START_UNITS, marketPrices, startLine } from './start-prices.js';

type Campaign = { id: string; symbol: string; open: number };
type Open = Pick<PositionJson, 'symbol' | 'status' | 'current_price' | 'entry_date' | 'marked_at'>;

/** A gateway holding these campaigns and positions, 2 campaigns per page. */
function gateway(campaigns: Campaign[], positions: Record<string, Open[]>): CampaignSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    listCampaigns: async (q) => {
      const from = Number(q.cursor ?? 0);
      reads.push(`list ${from} ${q.status}`);
      const items = campaigns.slice(from, from + 2).map((c) => ({ id: c.id, symbol: c.symbol, open_positions_count: c.open }));
      return { items, next_cursor: from + 2 < campaigns.length ? String(from + 2) : null } as unknown as CampaignListJson;
    },
    positions: async (id, q) => {
      reads.push(`positions ${id} ${q.include_closed}`);
      return { body: { positions: positions[id] ?? [] } as unknown as CampaignPositionsJson };
    },
  };
}

const open = (price: string, entry: string, marked: string | null): Open => ({
  symbol: 'GBPUSD',
  status: 'OPEN',
  current_price: price,
  entry_date: entry,
  marked_at: marked,
});

describe('marketPrices', () => {
  it('takes the latest mark of a symbol’s open positions across its active campaigns', async () => {
    const gw = gateway(
      [
        { id: 'a', symbol: 'GBPUSD', open: 2 },
        { id: 'b', symbol: 'AAPL', open: 1 },
        { id: 'c', symbol: 'GBPUSD', open: 1 },
        { id: 'd', symbol: 'GBPUSD', open: 0 },
      ],
      {
        a: [
          open('1.25500000', '2026-11-25T09:00:00.000Z', '2026-11-25T10:00:00.000Z'),
          open('1.26000000', '2026-11-25T11:00:00.000Z', null),
        ],
        c: [open('1.25750000', '2026-11-25T09:30:00.000Z', '2026-11-25T10:30:00.000Z')],
      },
    );
    const prices = await marketPrices(gw, ['GBPUSD', 'EURUSD']);
    expect([...prices]).toEqual([['GBPUSD', { units: 125_750_000n, why: 'its mark of 2026-11-25T10:30:00.000Z' }]]);
    // Active campaigns only, every page; the positions of matching campaigns with open positions only.
    expect(gw.reads).toEqual(['list 0 ACTIVE', 'positions a false', 'list 2 ACTIVE', 'positions c false']);
  });

  it('takes the entry price of the newest open position when none is marked', async () => {
    const gw = gateway([{ id: 'a', symbol: 'GBPUSD', open: 2 }], {
      a: [open('1.25000000', '2026-11-25T09:00:00.000Z', null), open('1.24000000', '2026-11-25T11:00:00.000Z', null)],
    });
    expect(await marketPrices(gw, ['GBPUSD'])).toEqual(
      new Map([['GBPUSD', { units: 124_000_000n, why: 'the entry price of its newest open position' }]]),
    );
  });
});

describe('chooseStartPrices', () => {
  it('prefers --start-price, then the market, then 100', () => {
    const market = new Map([
      ['GBPUSD', { units: 125_750_000n, why: 'its mark of …' }],
      ['AAPL', { units: 18_700_000_000n, why: 'its mark of …' }],
    ]);
    const chosen = chooseStartPrices(['GBPUSD', 'AAPL', 'MSFT'], new Map([['AAPL', 19_000_000_000n]]), market);
    expect([...chosen].map(([s, p]) => startLine(s, p))).toEqual([
      'GBPUSD from 1.25750000 (its mark of …)',
      'AAPL from 190.00000000 (--start-price)',
      'MSFT from 100.00000000 (no open position seen: --start-price SYMBOL=PRICE sets one)',
    ]);
    expect(chosen.get('MSFT')?.units).toBe(DEFAULT_START_UNITS);
  });
});
