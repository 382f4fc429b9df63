import { describe, expect, it } from 'vitest';
import { dec } from './decimal.js';
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
  shares: string;
  entry: string;
  stop: string;
  pnl?: string;
  realized?: string | null;
  markedAt?: string | null;
}

function pos(s: Spec): PositionFigures {
  const status = s.status ?? 'OPEN';
  const realized = s.realized ?? null;
  return {
    status,
    shares: dec(s.shares),
    entryPrice: dec(s.entry),
    stopLoss: dec(s.stop),
    currentPnl: dec(s.pnl ?? realized ?? '0'),
    realizedPnl: realized === null ? null : dec(realized),
    markedAt: s.markedAt ? new Date(s.markedAt) : null,
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
  open_positions_count: 0,
  closed_positions_count: 0,
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
      open_positions_count: 2,
      closed_positions_count: 2,
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
      open_positions_count: 2,
      closed_positions_count: 1,
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
    expect(t).toEqual({ ...ZERO_TOTALS, realized_pnl: '800.00000000', total_pnl: '800.00000000', closed_positions_count: 1 });
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
