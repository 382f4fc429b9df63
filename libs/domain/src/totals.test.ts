import { describe, expect, it } from 'vitest';
import { dec, fmt8 } from './decimal.js';
import type { PositionStatus, Side } from './model.js';
import {
  campaignTotals,
  EMPTY_SUMS,
  mergeSums,
  type PositionFigures,
  sumPositions,
  type TotalsJson,
  totalsFromSums,
  totalsToJson,
} from './totals.js';

interface Spec {
  status?: PositionStatus;
  /** Open shares; a CLOSED position holds none, whatever this says. */
  shares: string;
  entry: string;
  stop: string;
  pnl?: string;
  realized?: string | null;
  fees?: string;
  initialRisk?: string;
  markedAt?: string | null;
  stopBreachedAt?: string | null;
}

function pos(s: Spec): PositionFigures {
  const status = s.status ?? 'OPEN';
  const realized = s.realized ?? null;
  return {
    status,
    openShares: dec(status === 'OPEN' ? s.shares : '0'),
    entryPrice: dec(s.entry),
    stopLoss: dec(s.stop),
    currentPnl: dec(s.pnl ?? (status === 'CLOSED' ? realized : null) ?? '0'),
    realizedPnl: realized === null ? null : dec(realized),
    fees: dec(s.fees ?? '0'),
    initialRisk: dec(s.initialRisk ?? '0'),
    markedAt: s.markedAt ? new Date(s.markedAt) : null,
    stopBreachedAt: s.stopBreachedAt ? new Date(s.stopBreachedAt) : null,
  };
}

const json = (side: Side, specs: Spec[]): TotalsJson => totalsToJson(campaignTotals(side, specs.map(pos)));

const ZERO_TOTALS: TotalsJson = {
  total_shares: '0.00000000',
  weighted_avg_entry: '0.00000000',
  total_risk: '0.00000000',
  unrealized_pnl: '0.00000000',
  realized_pnl: '0.00000000',
  total_pnl: '0.00000000',
  total_fees: '0.00000000',
  net_pnl: '0.00000000',
  initial_risk: '0.00000000',
  r_multiple: null,
  open_positions_count: 0,
  closed_positions_count: 0,
  breached_positions_count: 0,
  as_of: null,
};

describe('campaign totals', () => {
  it.each<Side>(['LONG', 'SHORT'])('are all zero with as_of null for an empty %s campaign', (side) => {
    expect(json(side, [])).toEqual(ZERO_TOTALS);
    expect(totalsToJson(totalsFromSums(EMPTY_SUMS))).toEqual(ZERO_TOTALS);
  });

  const mixed: Spec[] = [
    { shares: '100', entry: '150', stop: '148', pnl: '500', markedAt: '2026-11-25T14:00:00Z' },
    { shares: '75', entry: '152', stop: '149.5', pnl: '225', markedAt: '2026-11-25T14:00:00Z' },
    {
      status: 'CLOSED',
      shares: '50',
      entry: '140',
      stop: '139',
      realized: '-125.5',
      markedAt: '2026-11-25T15:30:00+01:00',
    },
    { status: 'CLOSED', shares: '10', entry: '100', stop: '90', realized: '33.33333333' },
  ];

  it('take shares, average entry and risk from OPEN positions only (LONG)', () => {
    expect(json('LONG', mixed)).toEqual({
      total_shares: '175.00000000',
      weighted_avg_entry: '150.85714286',
      total_risk: '387.50000000',
      unrealized_pnl: '725.00000000',
      realized_pnl: '-92.16666667',
      total_pnl: '632.83333333',
      total_fees: '0.00000000',
      net_pnl: '632.83333333',
      initial_risk: '0.00000000',
      r_multiple: null,
      open_positions_count: 2,
      closed_positions_count: 2,
      breached_positions_count: 0,
      as_of: '2026-11-25T14:30:00.000Z',
    });
  });

  it('measure SHORT risk from the stop above the entry', () => {
    const short: Spec[] = [
      { shares: '8000', entry: '1.25', stop: '1.255', pnl: '-60' },
      { shares: '6000', entry: '1.2450', stop: '1.2500', pnl: '-45' },
      { status: 'CLOSED', shares: '1000', entry: '1.3', stop: '1.4', realized: '20' },
    ];
    expect(json('SHORT', short)).toEqual({
      total_shares: '14000.00000000',
      weighted_avg_entry: '1.24785714',
      total_risk: '70.00000000',
      unrealized_pnl: '-105.00000000',
      realized_pnl: '20.00000000',
      total_pnl: '-85.00000000',
      total_fees: '0.00000000',
      net_pnl: '-85.00000000',
      initial_risk: '0.00000000',
      r_multiple: null,
      open_positions_count: 2,
      closed_positions_count: 1,
      breached_positions_count: 0,
      as_of: null,
    });
    // The same positions in a LONG campaign have their stops on the wrong side: negative risk.
    expect(json('LONG', short).total_risk).toBe('-70.00000000');
  });

  it('count a trailing stop past the entry as negative risk', () => {
    const t = json('LONG', [
      { shares: '100', entry: '150', stop: '152' },
      { shares: '100', entry: '151', stop: '150' },
    ]);
    expect(t.total_risk).toBe('-100.00000000');
  });

  it('take as_of from the latest mark over all positions, closed ones included', () => {
    const t = json('LONG', [
      { shares: '1', entry: '1', stop: '0.5', markedAt: '2026-11-25T14:00:00.250Z' },
      { shares: '1', entry: '1', stop: '0.5', markedAt: null },
      { status: 'CLOSED', shares: '1', entry: '1', stop: '0.5', realized: '0', markedAt: '2026-11-25T14:00:00.251Z' },
    ]);
    expect(t.as_of).toBe('2026-11-25T14:00:00.251Z');
    expect(json('LONG', [{ shares: '1', entry: '1', stop: '0.5' }]).as_of).toBeNull();
  });

  it('with only closed positions keep the realized P&L and zero everything open', () => {
    const t = json('LONG', [{ status: 'CLOSED', shares: '100', entry: '150', stop: '148', realized: '800' }]);
    expect(t).toEqual({
      ...ZERO_TOTALS,
      realized_pnl: '800.00000000',
      total_pnl: '800.00000000',
      net_pnl: '800.00000000',
      closed_positions_count: 1,
      breached_positions_count: 0,
    });
  });

  it('count a CLOSED position without a realized P&L as zero, as SQL sum does', () => {
    const p: PositionFigures = { ...pos({ status: 'CLOSED', shares: '1', entry: '1', stop: '0.5', pnl: '9' }), realizedPnl: null };
    expect(totalsToJson(campaignTotals('LONG', [p])).realized_pnl).toBe('0.00000000');
  });

  it('round the weighted average once, not the notional of each position', () => {
    // Each notional is 0.500000005; rounding it first would give an average of 1.00000000.
    const same = json('LONG', [
      { shares: '0.5', entry: '1.00000001', stop: '0.5' },
      { shares: '0.5', entry: '1.00000001', stop: '0.5' },
    ]);
    expect(same.weighted_avg_entry).toBe('1.00000001');
  });

  it.each([
    ['1.00000001', '1.00000002', '1.00000002'],
    ['1.00000002', '1.00000003', '1.00000002'],
    ['1.00000003', '1.00000004', '1.00000004'],
    ['0.00000001', '0.00000002', '0.00000002'],
  ])('round the average of %s and %s half-even to %s', (a, b, expected) => {
    const t = json('LONG', [
      { shares: '3', entry: a, stop: '0' },
      { shares: '3', entry: b, stop: '0' },
    ]);
    expect(t.weighted_avg_entry).toBe(expected);
  });

  it('sum the rounded per-position risk, as the stored figures are', () => {
    // Each risk is exactly 0.000000005 and rounds to 0; an exact sum would round to 0.00000001.
    const half: Spec = { shares: '0.5', entry: '7.12345679', stop: '7.12345678' };
    expect(json('LONG', [half, half]).total_risk).toBe('0.00000000');
    const odd: Spec = { shares: '1.5', entry: '7.12345679', stop: '7.12345678' };
    expect(json('LONG', [odd, odd]).total_risk).toBe('0.00000004');
    expect(json('SHORT', [odd, odd]).total_risk).toBe('-0.00000004');
  });

  it('print negative totals and totals that cancel out', () => {
    const t = json('SHORT', [
      { shares: '2', entry: '10', stop: '11', pnl: '-0.00000001' },
      { status: 'CLOSED', shares: '2', entry: '10', stop: '11', realized: '0.00000001' },
    ]);
    expect([t.unrealized_pnl, t.realized_pnl, t.total_pnl]).toEqual(['-0.00000001', '0.00000001', '0.00000000']);
  });
});

describe('campaign totals with exits, fees and R', () => {
  // The AAPL Spring with half of it exited, the SOS untouched, and an LPS closed at a loss.
  const scaled: Spec[] = [
    { shares: '50', entry: '150', stop: '148', pnl: '250', realized: '300', fees: '1.5', initialRisk: '200' },
    { shares: '75', entry: '152', stop: '149.5', pnl: '225', fees: '0.99', initialRisk: '187.5' },
    { status: 'CLOSED', shares: '80', entry: '153', stop: '151', realized: '-40', fees: '2', initialRisk: '160' },
  ];

  it('count open shares only, sum realized P&L over every position and fees and initial risk over all', () => {
    expect(json('LONG', scaled)).toEqual({
      total_shares: '125.00000000',
      // (150 × 50 + 152 × 75) / 125
      weighted_avg_entry: '151.20000000',
      // 2 × 50 + 2.5 × 75: the Spring's risk on its 50 open shares only
      total_risk: '287.50000000',
      unrealized_pnl: '475.00000000',
      // 300 from the partial exit of the OPEN Spring, −40 from the CLOSED LPS
      realized_pnl: '260.00000000',
      total_pnl: '735.00000000',
      total_fees: '4.49000000',
      net_pnl: '730.51000000',
      initial_risk: '547.50000000',
      // 730.51 / 547.5 = 1.334264840…
      r_multiple: '1.33426484',
      open_positions_count: 2,
      closed_positions_count: 1,
      breached_positions_count: 0,
      as_of: null,
    });
  });

  it('count the realized P&L of partial exits while every position is still OPEN', () => {
    const t = json('SHORT', [
      { shares: '5000', entry: '1.2575', stop: '1.2625', pnl: '37.5', realized: '55', fees: '1', initialRisk: '50' },
      { shares: '1000', entry: '1.25', stop: '1.26', pnl: '-2', realized: null, initialRisk: '10' },
    ]);
    expect(t).toMatchObject({
      realized_pnl: '55.00000000',
      unrealized_pnl: '35.50000000',
      total_pnl: '90.50000000',
      total_fees: '1.00000000',
      net_pnl: '89.50000000',
      initial_risk: '60.00000000',
      r_multiple: '1.49166667',
      closed_positions_count: 0,
      breached_positions_count: 0,
    });
  });

  it('give a negative net P&L when the fees outweigh the P&L', () => {
    const t = json('LONG', [{ status: 'CLOSED', shares: '10', entry: '10', stop: '9', realized: '1', fees: '3', initialRisk: '10' }]);
    expect([t.total_pnl, t.total_fees, t.net_pnl, t.r_multiple]).toEqual(['1.00000000', '3.00000000', '-2.00000000', '-0.20000000']);
  });

  it('have no R-multiple without initial risk, and round it once half-even', () => {
    expect(json('LONG', []).r_multiple).toBeNull();
    const closed = (realized: string): Spec => ({ status: 'CLOSED', shares: '1', entry: '1', stop: '0', realized, initialRisk: '2' });
    // 0.000000005 and 0.000000015 are ties: to the even neighbour.
    expect(json('LONG', [closed('0.00000001')]).r_multiple).toBe('0.00000000');
    expect(json('LONG', [closed('0.00000003')]).r_multiple).toBe('0.00000002');
    expect(json('LONG', [closed('-0.00000003')]).r_multiple).toBe('-0.00000002');
    // Two positions: (0.00000001 + 0.00000002) / 4 = 0.0000000075 rounds once, to 0.00000001.
    const twice = json('LONG', [closed('0.00000001'), closed('0.00000002')]);
    expect([twice.net_pnl, twice.initial_risk, twice.r_multiple]).toEqual(['0.00000003', '4.00000000', '0.00000001']);
  });

  it('sum fees and initial risk in the sums, and merge them', () => {
    const [a, b, c] = scaled.map(pos);
    if (a === undefined || b === undefined || c === undefined) throw new Error('three positions expected');
    const merged = mergeSums(sumPositions('LONG', [a]), sumPositions('LONG', [b, c]));
    expect([fmt8(merged.fees), fmt8(merged.initialRisk), fmt8(merged.realizedPnl)]).toEqual(['4.49000000', '547.50000000', '260.00000000']);
    expect(totalsToJson(totalsFromSums(merged))).toEqual(json('LONG', scaled));
    expect([fmt8(EMPTY_SUMS.fees), fmt8(EMPTY_SUMS.initialRisk)]).toEqual(['0.00000000', '0.00000000']);
  });
});

describe('sums', () => {
  it('keep the open notional exact', () => {
    const s = sumPositions('LONG', [pos({ shares: '0.5', entry: '1.00000001', stop: '1' })]);
    expect(s.openNotional.toFixed()).toBe('0.500000005');
  });

  it('have EMPTY_SUMS as the identity of mergeSums', () => {
    const s = sumPositions('LONG', [pos({ shares: '3', entry: '2', stop: '1', markedAt: '2026-01-01T00:00:00Z' })]);
    expect(totalsToJson(totalsFromSums(mergeSums(EMPTY_SUMS, s)))).toEqual(totalsToJson(totalsFromSums(s)));
    expect(totalsToJson(totalsFromSums(mergeSums(s, EMPTY_SUMS)))).toEqual(totalsToJson(totalsFromSums(s)));
    expect(Object.isFrozen(EMPTY_SUMS)).toBe(true);
  });
});
