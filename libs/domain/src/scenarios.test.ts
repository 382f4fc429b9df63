import { describe, expect, it } from 'vitest';
import { CampaignBook } from '../test/campaign-book.js';
import { dec, fmt8 } from './decimal.js';
import { ConflictError } from './errors.js';
import type { PatternType } from './model.js';
import type { TotalsJson } from './totals.js';

const t = (hhmm: string): Date => new Date(`2026-11-25T${hhmm}:00.000Z`);

function totals(over: Partial<TotalsJson>): TotalsJson {
  return {
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
    ...over,
  };
}

const entry = (patternType: PatternType, shares: string, price: string, stop: string, at: Date) => ({
  patternType,
  shares: dec(shares),
  entryPrice: dec(price),
  stopLoss: dec(stop),
  entryDate: at,
});

describe('AAPL accumulation campaign', () => {
  it('tracks Spring, SOS and LPS from entry to exit', () => {
    const book = new CampaignBook('LONG', 'AAPL', '1d');
    const spring = book.add(entry('SPRING', '100', '150.00', '148.00', t('14:00')), t('14:00'));
    expect(book.totals()).toEqual(
      totals({
        total_shares: '100.00000000',
        weighted_avg_entry: '150.00000000',
        total_risk: '200.00000000',
        initial_risk: '200.00000000',
        r_multiple: '0.00000000',
        open_positions_count: 1,
      }),
    );

    const sos = book.add(entry('SOS', '75', '152.00', '149.50', t('14:10')), t('14:10'));
    // (150 x 100 + 152 x 75) / 175 = 150.857142857...
    expect(book.totals()).toEqual(
      totals({
        total_shares: '175.00000000',
        weighted_avg_entry: '150.85714286',
        total_risk: '387.50000000',
        initial_risk: '387.50000000',
        r_multiple: '0.00000000',
        open_positions_count: 2,
      }),
    );

    expect(book.mark(dec('155.00'), t('14:20'))).toBe(2);
    expect(book.pnls()).toEqual({ SPRING: '500.00000000', SOS: '225.00000000' });
    expect(book.totals()).toEqual(
      totals({
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
        as_of: '2026-11-25T14:20:00.000Z',
      }),
    );

    const closed = book.close(spring.id, dec('158.00'), t('14:30'));
    expect([closed.status, fmt8(closed.realizedPnl ?? dec('0')), fmt8(closed.currentPrice), fmt8(closed.currentPnl)]).toEqual([
      'CLOSED',
      '800.00000000',
      '158.00000000',
      '800.00000000',
    ]);
    expect(book.positions).toHaveLength(2);
    expect(book.totals()).toEqual(
      totals({
        total_shares: '75.00000000',
        weighted_avg_entry: '152.00000000',
        total_risk: '187.50000000',
        unrealized_pnl: '225.00000000',
        realized_pnl: '800.00000000',
        total_pnl: '1025.00000000',
        net_pnl: '1025.00000000',
        // The closed Spring's risk at entry still counts.
        initial_risk: '387.50000000',
        r_multiple: '2.64516129',
        open_positions_count: 1,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: '2026-11-25T14:20:00.000Z',
      }),
    );

    const lps = book.add(entry('LPS', '80', '153.00', '151.00', t('14:40')), t('14:40'));
    // (152 x 75 + 153 x 80) / 155 = 152.516129032...
    expect(book.totals()).toEqual(
      totals({
        total_shares: '155.00000000',
        weighted_avg_entry: '152.51612903',
        total_risk: '347.50000000',
        unrealized_pnl: '225.00000000',
        realized_pnl: '800.00000000',
        total_pnl: '1025.00000000',
        net_pnl: '1025.00000000',
        initial_risk: '547.50000000',
        r_multiple: '1.87214612',
        open_positions_count: 2,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: '2026-11-25T14:20:00.000Z',
      }),
    );
    expect(() => book.closeCampaign()).toThrow(ConflictError);

    expect(fmt8(book.close(sos.id, dec('156.00'), t('15:00')).currentPnl)).toBe('300.00000000');
    expect(fmt8(book.close(lps.id, dec('154.50'), t('15:00')).currentPnl)).toBe('120.00000000');
    expect(book.totals()).toEqual(
      totals({
        realized_pnl: '1220.00000000',
        total_pnl: '1220.00000000',
        net_pnl: '1220.00000000',
        initial_risk: '547.50000000',
        // 1220 / 547.5 = 2.228310502...
        r_multiple: '2.22831050',
        closed_positions_count: 3,
        breached_positions_count: 0,
        as_of: '2026-11-25T14:20:00.000Z',
      }),
    );
    expect(book.version).toBe(7);
    book.closeCampaign();
    expect(book.version).toBe(8);
  });
});

describe('GBPUSD accumulation campaign', () => {
  it('reaches a total P&L of 125.00 after closing the Spring and adding an LPS', () => {
    const book = new CampaignBook('LONG', 'GBPUSD', '1h');
    const spring = book.add(entry('SPRING', '8000', '1.2500', '1.2450', t('09:00')), t('09:00'));
    book.add(entry('SOS', '6000', '1.2550', '1.2500', t('10:00')), t('10:00'));
    // (1.25 x 8000 + 1.255 x 6000) / 14000 = 17530 / 14000 = 1.252142857...
    expect(book.totals()).toEqual(
      totals({
        total_shares: '14000.00000000',
        weighted_avg_entry: '1.25214286',
        total_risk: '70.00000000',
        initial_risk: '70.00000000',
        r_multiple: '0.00000000',
        open_positions_count: 2,
      }),
    );

    book.mark(dec('1.2575'), t('11:00'));
    expect(book.pnls()).toEqual({ SPRING: '60.00000000', SOS: '15.00000000' });
    expect(book.totals()).toMatchObject({
      unrealized_pnl: '75.00000000',
      total_pnl: '75.00000000',
      net_pnl: '75.00000000',
      r_multiple: '1.07142857',
      as_of: '2026-11-25T11:00:00.000Z',
    });

    const closed = book.close(spring.id, dec('1.2625'), t('12:00'));
    expect(fmt8(closed.realizedPnl ?? dec('0'))).toBe('100.00000000');
    expect(book.totals()).toEqual(
      totals({
        total_shares: '6000.00000000',
        weighted_avg_entry: '1.25500000',
        total_risk: '30.00000000',
        unrealized_pnl: '15.00000000',
        realized_pnl: '100.00000000',
        total_pnl: '115.00000000',
        net_pnl: '115.00000000',
        initial_risk: '70.00000000',
        r_multiple: '1.64285714',
        open_positions_count: 1,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: '2026-11-25T11:00:00.000Z',
      }),
    );

    book.add(entry('LPS', '4000', '1.2600', '1.2550', t('13:00')), t('13:00'));
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
      r_multiple: '1.27777778',
      open_positions_count: 2,
      closed_positions_count: 1,
      breached_positions_count: 0,
      as_of: '2026-11-25T11:00:00.000Z',
    });
    expect(book.totals()).toEqual(afterLps);

    // A replayed tick changes nothing: the SOS already holds that mark, the LPS came later.
    expect(book.mark(dec('1.2575'), t('11:00'))).toBe(0);
    expect(book.totals()).toEqual(afterLps);

    expect(book.mark(dec('1.2595'), t('14:00'))).toBe(2);
    expect(book.pnls()).toEqual({ SPRING: '100.00000000', SOS: '27.00000000', LPS: '-2.00000000' });
    expect(book.totals()).toEqual({
      ...afterLps,
      unrealized_pnl: '25.00000000',
      total_pnl: '125.00000000',
      net_pnl: '125.00000000',
      r_multiple: '1.38888889',
      as_of: '2026-11-25T14:00:00.000Z',
    });
  });
});

describe('AAPL campaign scaling out of its Spring', () => {
  it('exits half the Spring at 156, closes the rest at 158 for an exit price of 157, and pays its fees', () => {
    const book = new CampaignBook('LONG', 'AAPL', '1d');
    const spring = book.add({ ...entry('SPRING', '100', '150.00', '148.00', t('14:00')), entryFee: dec('1') }, t('14:00'));
    book.add({ ...entry('SOS', '75', '152.00', '149.50', t('14:10')), entryFee: dec('1') }, t('14:10'));
    book.mark(dec('155.00'), t('14:20'));

    const half = book.exit(spring.id, { shares: dec('50'), price: dec('156.00'), fee: dec('0.5') }, t('14:25'));
    expect([half.closes, fmt8(half.exit.realizedPnl), fmt8(half.openShares), fmt8(half.currentPnl), fmt8(half.risk)]).toEqual([
      false,
      '300.00000000',
      '50.00000000',
      '250.00000000',
      '100.00000000',
    ]);
    expect(book.totals()).toEqual(
      totals({
        total_shares: '125.00000000',
        weighted_avg_entry: '151.20000000',
        total_risk: '287.50000000',
        unrealized_pnl: '475.00000000',
        realized_pnl: '300.00000000',
        total_pnl: '775.00000000',
        total_fees: '2.50000000',
        net_pnl: '772.50000000',
        initial_risk: '387.50000000',
        r_multiple: '1.99354839',
        open_positions_count: 2,
        as_of: '2026-11-25T14:20:00.000Z',
      }),
    );

    const closed = book.close(spring.id, dec('158.00'), t('14:30'), dec('0.5'));
    expect([closed.status, fmt8(closed.exitPrice ?? dec('0')), fmt8(closed.realizedPnl ?? dec('0')), fmt8(closed.fees)]).toEqual([
      'CLOSED',
      '157.00000000',
      '700.00000000',
      '2.00000000',
    ]);
    expect([fmt8(closed.openShares), fmt8(closed.currentPnl), closed.closedDate]).toEqual(['0.00000000', '700.00000000', t('14:30')]);
    expect(book.totals()).toEqual(
      totals({
        total_shares: '75.00000000',
        weighted_avg_entry: '152.00000000',
        total_risk: '187.50000000',
        unrealized_pnl: '225.00000000',
        realized_pnl: '700.00000000',
        total_pnl: '925.00000000',
        total_fees: '3.00000000',
        net_pnl: '922.00000000',
        initial_risk: '387.50000000',
        r_multiple: '2.37935484',
        open_positions_count: 1,
        closed_positions_count: 1,
        breached_positions_count: 0,
        as_of: '2026-11-25T14:20:00.000Z',
      }),
    );
    expect(() => book.exit(spring.id, { shares: dec('1'), price: dec('158') }, t('14:35'))).toThrow(ConflictError);
  });
});
