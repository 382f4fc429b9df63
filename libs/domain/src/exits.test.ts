import { describe, expect, it } from 'vitest';
import { afterExit, conflictOf, issuesOf, NOW, openState } from '../test/rules.js';
import { type Dec, dec, fmt8 } from './decimal.js';
import { ConflictError, ValidationError } from './errors.js';
import { CLOSE_FIELDS, closePositionRule, EXIT_FIELDS, type ExitOutcome, exitPositionRule, type PositionState } from './position-rules.js';

const at = (ms: number): Date => new Date(NOW.getTime() + ms);
const f8 = (x: Dec | null): string | null => (x === null ? null : fmt8(x));

/** Everything an exit reports, as the contract prints it. */
function view(o: ExitOutcome) {
  return {
    exit: {
      shares: fmt8(o.exit.shares),
      price: fmt8(o.exit.price),
      date: o.exit.date.toISOString(),
      fee: fmt8(o.exit.fee),
      realizedPnl: fmt8(o.exit.realizedPnl),
    },
    closes: o.closes,
    openShares: fmt8(o.openShares),
    realizedPnl: fmt8(o.realizedPnl),
    fees: fmt8(o.fees),
    risk: fmt8(o.risk),
    currentPrice: fmt8(o.currentPrice),
    currentPnl: fmt8(o.currentPnl),
    exitPrice: f8(o.exitPrice),
    closedDate: o.closedDate === null ? null : o.closedDate.toISOString(),
  };
}

/** AAPL Spring: 100 @ 150.00, stop 148.00, entered an hour before NOW. */
const spring = (over: Partial<PositionState> = {}): PositionState =>
  openState({ entryPrice: dec('150'), shares: dec('100'), stopLoss: dec('148'), currentPrice: dec('155'), ...over });

describe('exitPositionRule, a partial exit', () => {
  it('realizes the exited shares of a LONG position and leaves the rest open at the current price, to 8 digits', () => {
    const p = openState({
      entryPrice: dec('150.12345678'),
      shares: dec('100'),
      stopLoss: dec('148.5'),
      currentPrice: dec('155.55555555'),
      fees: dec('1.5'),
    });
    const o = exitPositionRule(p, { shares: dec('33.33333333'), price: dec('157.87654321'), date: at(-600_000), fee: dec('0.99') }, NOW);
    expect(view(o)).toEqual({
      // (157.87654321 − 150.12345678) × 33.33333333 = 258.43621430748971…
      exit: {
        shares: '33.33333333',
        price: '157.87654321',
        date: '2026-11-25T13:50:00.000Z',
        fee: '0.99000000',
        realizedPnl: '258.43621431',
      },
      closes: false,
      openShares: '66.66666667',
      realizedPnl: '258.43621431',
      fees: '2.49000000',
      // (150.12345678 − 148.5) × 66.66666667
      risk: '108.23045201',
      currentPrice: '155.55555555',
      // (155.55555555 − 150.12345678) × 66.66666667
      currentPnl: '362.13991802',
      exitPrice: null,
      closedDate: null,
    });
  });

  it('realizes the exited shares of a SHORT position, rounding each figure once half-even', () => {
    const p = openState({
      side: 'SHORT',
      entryPrice: dec('1.25753333'),
      shares: dec('12345.6789'),
      stopLoss: dec('1.26'),
      currentPrice: dec('1.25000001'),
    });
    const o = exitPositionRule(p, { shares: dec('4567.89012345'), price: dec('1.24876543') }, NOW);
    expect(view(o)).toEqual({
      // (1.25753333 − 1.24876543) × 4567.89012345 = 40.050803813397255
      exit: { shares: '4567.89012345', price: '1.24876543', date: NOW.toISOString(), fee: '0.00000000', realizedPnl: '40.05080381' },
      closes: false,
      openShares: '7777.78877655',
      realizedPnl: '40.05080381',
      fees: '0.00000000',
      // (1.26 − 1.25753333) × 7777.78877655 = 19.18523824145…
      risk: '19.18523824',
      currentPrice: '1.25000001',
      // (1.25753333 − 1.25000001) × 7777.78877655 = 58.59257174615…
      currentPnl: '58.59257175',
      exitPrice: null,
      closedDate: null,
    });
  });

  it('realizes a loss as a negative figure on either side', () => {
    expect(fmt8(exitPositionRule(spring(), { shares: dec('10'), price: dec('147.5') }, NOW).exit.realizedPnl)).toBe('-25.00000000');
    const short = spring({ side: 'SHORT', stopLoss: dec('152') });
    expect(fmt8(exitPositionRule(short, { shares: dec('10'), price: dec('151.25') }, NOW).exit.realizedPnl)).toBe('-12.50000000');
  });

  it('adds to the realized P&L and the fees of earlier exits', () => {
    const p = spring({
      openShares: dec('50'),
      realizedPnl: dec('300'),
      fees: dec('2'),
      exitedNotional: dec('7800'),
      lastExitDate: at(-60_000),
    });
    const o = exitPositionRule(p, { shares: dec('20'), price: dec('157'), fee: dec('0.75') }, NOW);
    expect([fmt8(o.exit.realizedPnl), fmt8(o.realizedPnl), fmt8(o.fees), fmt8(o.openShares)]).toEqual([
      '140.00000000',
      '440.00000000',
      '2.75000000',
      '30.00000000',
    ]);
  });

  it('keeps a risk that a trailing stop made negative, on the open shares', () => {
    const o = exitPositionRule(spring({ stopLoss: dec('152') }), { shares: dec('40'), price: dec('155') }, NOW);
    expect(fmt8(o.risk)).toBe('-120.00000000');
  });

  it('may exit a single unit of 0.00000001 shares', () => {
    const o = exitPositionRule(spring(), { shares: dec('0.00000001'), price: dec('156') }, NOW);
    expect([fmt8(o.exit.realizedPnl), fmt8(o.openShares), o.closes]).toEqual(['0.00000006', '99.99999999', false]);
  });
});

describe('exitPositionRule, the exit that closes', () => {
  it('averages the prices of all exits by shares, e.g. 50 @ 156 and 50 @ 158 close at 157 with 700 realized', () => {
    const first = exitPositionRule(spring(), { shares: dec('50'), price: dec('156'), date: at(-120_000) }, NOW);
    expect([first.closes, f8(first.exitPrice), fmt8(first.realizedPnl), fmt8(first.currentPnl)]).toEqual([
      false,
      null,
      '300.00000000',
      '250.00000000',
    ]);
    const second = exitPositionRule(afterExit(spring(), first), { shares: dec('50'), price: dec('158') }, NOW);
    expect(view(second)).toEqual({
      exit: { shares: '50.00000000', price: '158.00000000', date: NOW.toISOString(), fee: '0.00000000', realizedPnl: '400.00000000' },
      closes: true,
      openShares: '0.00000000',
      realizedPnl: '700.00000000',
      fees: '0.00000000',
      risk: '0.00000000',
      currentPrice: '157.00000000',
      currentPnl: '700.00000000',
      exitPrice: '157.00000000',
      closedDate: NOW.toISOString(),
    });
  });

  it('exits every open share when no shares are given', () => {
    const p = spring({ openShares: dec('30'), realizedPnl: dec('420'), exitedNotional: dec('10920'), lastExitDate: at(-60_000) });
    const o = exitPositionRule(p, { price: dec('160') }, NOW);
    // (10920 + 30 × 160) / 100 = 157.2; 420 + 30 × 10 = 720
    expect([o.closes, fmt8(o.exit.shares), f8(o.exitPrice), fmt8(o.realizedPnl), fmt8(o.currentPnl)]).toEqual([
      true,
      '30.00000000',
      '157.20000000',
      '720.00000000',
      '720.00000000',
    ]);
  });

  it('rounds the average exit price once, half-even, not the price of each exit', () => {
    const half = (a: string, b: string): string | null => {
      const p = openState({ entryPrice: dec('1'), shares: dec('1'), stopLoss: dec('0.5') });
      const first = exitPositionRule(p, { shares: dec('0.5'), price: dec(a) }, NOW);
      return f8(exitPositionRule(afterExit(p, first), { shares: dec('0.5'), price: dec(b) }, NOW).exitPrice);
    };
    expect(half('1.00000001', '1.00000002')).toBe('1.00000002');
    expect(half('1.00000002', '1.00000003')).toBe('1.00000002');
    expect(half('1.00000003', '1.00000004')).toBe('1.00000004');
    // Rounding each exit's notional first would give (0.50000000 + 0.50000001) = 1.00000001.
    expect(half('1.00000001', '1.00000002')).not.toBe('1.00000001');
  });

  it('has the exit price and realized P&L of the old close when it is the only exit', () => {
    const o = closePositionRule(openState(), dec('1.2625'), at(-1_000), NOW);
    expect([f8(o.exitPrice), fmt8(o.realizedPnl), o.closedDate]).toEqual(['1.26250000', '100.00000000', at(-1_000)]);
  });

  it('closes a SHORT position after two partial exits, at the average of three prices', () => {
    let p = openState({
      side: 'SHORT',
      entryPrice: dec('1.2575'),
      shares: dec('10000'),
      stopLoss: dec('1.2625'),
      currentPrice: dec('1.25'),
    });
    const a = exitPositionRule(p, { shares: dec('2500'), price: dec('1.248'), date: at(-3_600_000) }, NOW);
    expect([fmt8(a.exit.realizedPnl), fmt8(a.currentPnl), fmt8(a.risk)]).toEqual(['23.75000000', '56.25000000', '37.50000000']);
    p = afterExit(p, a);
    const b = exitPositionRule(p, { shares: dec('2500'), price: dec('1.245'), date: at(-1_800_000), fee: dec('1') }, NOW);
    expect([fmt8(b.exit.realizedPnl), fmt8(b.realizedPnl), fmt8(b.currentPnl), fmt8(b.risk)]).toEqual([
      '31.25000000',
      '55.00000000',
      '37.50000000',
      '25.00000000',
    ]);
    p = afterExit(p, b);
    const c = closePositionRule(p, dec('1.26'), undefined, NOW, dec('2'));
    // (2500 × 1.248 + 2500 × 1.245 + 5000 × 1.26) / 10000 = 1.25325
    expect(view(c)).toEqual({
      exit: { shares: '5000.00000000', price: '1.26000000', date: NOW.toISOString(), fee: '2.00000000', realizedPnl: '-12.50000000' },
      closes: true,
      openShares: '0.00000000',
      realizedPnl: '42.50000000',
      fees: '3.00000000',
      risk: '0.00000000',
      currentPrice: '1.25325000',
      currentPnl: '42.50000000',
      exitPrice: '1.25325000',
      closedDate: NOW.toISOString(),
    });
  });

  it('closes a fractional LONG position whose exits do not average to 8 digits', () => {
    let p = openState({ entryPrice: dec('150.12345678'), shares: dec('100'), stopLoss: dec('148.5'), currentPrice: dec('155.55555555') });
    p = afterExit(p, exitPositionRule(p, { shares: dec('33.33333333'), price: dec('157.87654321'), date: at(-600_000) }, NOW));
    const c = closePositionRule(p, dec('149.99999999'), NOW, NOW);
    // (157.87654321 × 33.33333333 + 149.99999999 × 66.66666667) / 100 = 152.625514396404…
    expect([fmt8(c.exit.realizedPnl), fmt8(c.realizedPnl), f8(c.exitPrice), fmt8(c.currentPrice), fmt8(c.currentPnl)]).toEqual([
      '-8.23045267',
      '250.20576164',
      '152.62551440',
      '152.62551440',
      '250.20576164',
    ]);
  });

  it('refuses any exit of a CLOSED position with a conflict, before looking at the body', () => {
    const closed = spring({ status: 'CLOSED', openShares: dec('0') });
    expect(conflictOf(() => exitPositionRule(closed, { shares: dec('-1'), price: dec('0') }, NOW))).toBe('position is already closed');
    expect(conflictOf(() => closePositionRule(closed, dec('150'), undefined, NOW))).toBe('position is already closed');
    let p = spring();
    p = afterExit(p, exitPositionRule(p, { price: dec('150') }, NOW));
    expect(p.status).toBe('CLOSED');
    expect(() => exitPositionRule(p, { shares: dec('1'), price: dec('150') }, NOW)).toThrow(ConflictError);
  });
});

describe('exitPositionRule, the date', () => {
  it('defaults to now', () => {
    expect(exitPositionRule(spring(), { shares: dec('1'), price: dec('150') }, NOW).exit.date).toEqual(NOW);
  });

  it('defaults to the entry date when the position was entered a few seconds ahead', () => {
    const o = exitPositionRule(spring({ entryDate: at(30_000) }), { shares: dec('1'), price: dec('150') }, NOW);
    expect(o.exit.date).toEqual(at(30_000));
  });

  it('defaults to the last exit when that lies ahead, and to the later of the entry and the last exit', () => {
    const afterLast = spring({ lastExitDate: at(45_000), openShares: dec('90') });
    expect(exitPositionRule(afterLast, { shares: dec('1'), price: dec('150') }, NOW).exit.date).toEqual(at(45_000));
    const both = spring({ entryDate: at(30_000), lastExitDate: at(45_000), openShares: dec('90') });
    expect(exitPositionRule(both, { shares: dec('1'), price: dec('150') }, NOW).exit.date).toEqual(at(45_000));
    const past = spring({ lastExitDate: at(-45_000), openShares: dec('90') });
    expect(exitPositionRule(past, { shares: dec('1'), price: dec('150') }, NOW).exit.date).toEqual(NOW);
    // The close takes the same default: its closed_date is never refused for being left out.
    const closed = closePositionRule(both, dec('150'), undefined, NOW);
    expect([closed.exit.date, closed.closedDate]).toEqual([at(45_000), at(45_000)]);
  });

  it('accepts the entry date, the last exit date and one minute ahead; refuses a millisecond outside', () => {
    const p = spring({ entryDate: at(-60_000), lastExitDate: at(-30_000), openShares: dec('90') });
    const exitAt = (date: Date) => () => exitPositionRule(p, { shares: dec('1'), price: dec('150'), date }, NOW);
    expect(exitAt(at(-30_000))().exit.date).toEqual(at(-30_000));
    expect(exitAt(at(60_000))().exit.date).toEqual(at(60_000));
    expect(exitPositionRule(spring(), { shares: dec('1'), price: dec('150'), date: spring().entryDate }, NOW).exit.date).toEqual(
      spring().entryDate,
    );
    expect(issuesOf(exitAt(at(-60_001)))).toEqual([{ path: 'date', message: 'may not precede entry_date' }]);
    expect(issuesOf(exitAt(at(-30_001)))).toEqual([{ path: 'date', message: "may not precede the position's last exit" }]);
    expect(issuesOf(exitAt(at(60_001)))).toEqual([{ path: 'date', message: 'may not be more than 60 s in the future' }]);
    expect(issuesOf(exitAt(new Date('not a date')))).toEqual([{ path: 'date', message: 'must be a valid timestamp' }]);
  });

  it('names the close date closed_date when the close command checks it', () => {
    const p = spring({ entryDate: at(-60_000), lastExitDate: at(-30_000), openShares: dec('90') });
    expect(issuesOf(() => closePositionRule(p, dec('150'), at(-60_001), NOW))).toEqual([
      { path: 'closed_date', message: 'may not precede entry_date' },
    ]);
    expect(issuesOf(() => closePositionRule(p, dec('150'), at(-30_001), NOW))).toEqual([
      { path: 'closed_date', message: "may not precede the position's last exit" },
    ]);
    expect(issuesOf(() => closePositionRule(p, dec('150'), at(60_001), NOW))).toEqual([
      { path: 'closed_date', message: 'may not be more than 60 s in the future' },
    ]);
    expect(closePositionRule(p, dec('150'), at(-30_000), NOW).closedDate).toEqual(at(-30_000));
  });
});

describe('exitPositionRule, the checks', () => {
  it('refuses more shares than are open with a 422 on shares', () => {
    const p = spring({ openShares: dec('40'), realizedPnl: dec('360'), exitedNotional: dec('9360'), lastExitDate: at(-60_000) });
    const run = () => exitPositionRule(p, { shares: dec('40.00000001'), price: dec('150') }, NOW);
    expect(run).toThrow(ValidationError);
    expect(issuesOf(run)).toEqual([{ path: 'shares', message: 'may not exceed open_shares 40.00000000' }]);
    // The size at entry is no limit once some shares are gone.
    expect(issuesOf(() => exitPositionRule(p, { shares: dec('100'), price: dec('150') }, NOW))).toEqual([
      { path: 'shares', message: 'may not exceed open_shares 40.00000000' },
    ]);
    expect(exitPositionRule(p, { shares: dec('40'), price: dec('150') }, NOW).closes).toBe(true);
  });

  it.each([
    ['0', 'must be greater than 0'],
    ['-1', 'must be greater than 0'],
    ['0.000000001', 'at most 10 integer and 8 fractional digits'],
  ])('refuses %s shares', (shares, message) => {
    expect(issuesOf(() => exitPositionRule(spring(), { shares: dec(shares), price: dec('150') }, NOW))).toEqual([
      { path: 'shares', message },
    ]);
  });

  it.each([
    ['-0.01', 'must be 0 or greater'],
    ['-0.00000001', 'must be 0 or greater'],
    ['0.000000001', 'at most 10 integer and 8 fractional digits'],
    ['10000000000', 'at most 10 integer and 8 fractional digits'],
  ])('refuses a fee of %s, on the exit and on the close', (fee, message) => {
    expect(issuesOf(() => exitPositionRule(spring(), { shares: dec('1'), price: dec('150'), fee: dec(fee) }, NOW))).toEqual([
      { path: 'fee', message },
    ]);
    expect(issuesOf(() => closePositionRule(spring(), dec('150'), undefined, NOW, dec(fee)))).toEqual([{ path: 'fee', message }]);
  });

  it('accepts a zero fee and the largest fee that fits', () => {
    expect(fmt8(exitPositionRule(spring(), { shares: dec('1'), price: dec('150'), fee: dec('0') }, NOW).fees)).toBe('0.00000000');
    const big = exitPositionRule(spring(), { shares: dec('1'), price: dec('150'), fee: dec('9999999999.99999999') }, NOW);
    expect(fmt8(big.fees)).toBe('9999999999.99999999');
  });

  it('refuses a fee that would carry the position past NUMERIC(18,8)', () => {
    const p = spring({ fees: dec('9999999999.99999999') });
    expect(issuesOf(() => exitPositionRule(p, { shares: dec('1'), price: dec('150'), fee: dec('0.00000001') }, NOW))).toEqual([
      { path: 'fee', message: "the position's fees would exceed 9999999999.99999999" },
    ]);
  });

  it('refuses a price not above zero, naming it price on an exit and exit_price on a close', () => {
    expect(issuesOf(() => exitPositionRule(spring(), { shares: dec('1'), price: dec('0') }, NOW))).toEqual([
      { path: 'price', message: 'must be greater than 0' },
    ]);
    expect(issuesOf(() => closePositionRule(spring(), dec('-1'), undefined, NOW))).toEqual([
      { path: 'exit_price', message: 'must be greater than 0' },
    ]);
  });

  it('lists every broken rule, in the order shares, price, fee, date', () => {
    const run = () => exitPositionRule(spring(), { shares: dec('101'), price: dec('0'), fee: dec('-1'), date: at(-7_200_000) }, NOW);
    expect(issuesOf(run)).toEqual([
      { path: 'shares', message: 'may not exceed open_shares 100.00000000' },
      { path: 'price', message: 'must be greater than 0' },
      { path: 'fee', message: 'must be 0 or greater' },
      { path: 'date', message: 'may not precede entry_date' },
    ]);
    const close = () => closePositionRule(spring(), dec('0'), at(-7_200_000), NOW, dec('-1'));
    expect(issuesOf(close).map((i) => i.path)).toEqual(['exit_price', 'fee', 'closed_date']);
  });

  it('refuses an exit whose realized P&L, or the position total of it, overflows NUMERIC(18,8)', () => {
    const p = openState({ entryPrice: dec('1'), shares: dec('1000000000'), stopLoss: dec('0.5'), currentPrice: dec('1') });
    expect(issuesOf(() => exitPositionRule(p, { shares: dec('1000000000'), price: dec('100') }, NOW))).toEqual([
      { path: 'price', message: 'realized P&L exceeds 9999999999.99999999' },
    ]);
    const rich = { ...p, openShares: dec('500000000'), realizedPnl: dec('9999999999'), exitedNotional: dec('5500000000') };
    // 500000000 × (3 − 1) = 1e9 fits on its own; added to the earlier 9999999999 it does not.
    expect(issuesOf(() => exitPositionRule(rich, { shares: dec('500000000'), price: dec('3') }, NOW))).toEqual([
      { path: 'price', message: 'realized P&L exceeds 9999999999.99999999' },
    ]);
    expect(issuesOf(() => closePositionRule(p, dec('100'), undefined, NOW))).toEqual([
      { path: 'exit_price', message: 'realized P&L exceeds 9999999999.99999999' },
    ]);
  });

  it('names its fields through the field names it is given', () => {
    expect(EXIT_FIELDS).toEqual({ shares: 'shares', price: 'price', date: 'date', fee: 'fee' });
    expect(CLOSE_FIELDS).toEqual({ shares: 'shares', price: 'exit_price', date: 'closed_date', fee: 'fee' });
    expect(Object.isFrozen(EXIT_FIELDS) && Object.isFrozen(CLOSE_FIELDS)).toBe(true);
    const names = { shares: 'qty', price: 'px', date: 'when', fee: 'cost' };
    const run = () => exitPositionRule(spring(), { shares: dec('0'), price: dec('0'), fee: dec('-1'), date: at(61_000) }, NOW, names);
    expect(issuesOf(run).map((i) => i.path)).toEqual(['qty', 'px', 'cost', 'when']);
  });
});

describe('exitPositionRule, current P&L and risk', () => {
  it('gives the P&L of the open shares at the current price after a partial exit, on either side', () => {
    const o = exitPositionRule(spring({ currentPrice: dec('153.5') }), { shares: dec('60'), price: dec('156') }, NOW);
    expect([fmt8(o.currentPrice), fmt8(o.currentPnl), fmt8(o.realizedPnl)]).toEqual(['153.50000000', '140.00000000', '360.00000000']);
    const short = spring({ side: 'SHORT', stopLoss: dec('152'), currentPrice: dec('153.5') });
    const s = exitPositionRule(short, { shares: dec('60'), price: dec('149') }, NOW);
    expect([fmt8(s.currentPnl), fmt8(s.realizedPnl), fmt8(s.risk)]).toEqual(['-140.00000000', '60.00000000', '80.00000000']);
  });

  it('measures risk on the open shares, and a close makes it zero and the current P&L the realized P&L', () => {
    let p = spring();
    const steps: string[][] = [];
    for (const [shares, price] of [
      ['25', '151'],
      ['25', '152'],
      ['50', '149'],
    ] as const) {
      const o = exitPositionRule(p, { shares: dec(shares), price: dec(price) }, NOW);
      steps.push([fmt8(o.openShares), fmt8(o.risk), fmt8(o.realizedPnl), fmt8(o.currentPnl), String(o.closes)]);
      p = afterExit(p, o);
    }
    expect(steps).toEqual([
      ['75.00000000', '150.00000000', '25.00000000', '375.00000000', 'false'],
      ['50.00000000', '100.00000000', '75.00000000', '250.00000000', 'false'],
      ['0.00000000', '0.00000000', '25.00000000', '25.00000000', 'true'],
    ]);
    // (25 × 151 + 25 × 152 + 50 × 149) / 100 = 150.25
    expect([p.status, fmt8(p.currentPrice), fmt8(p.exitedNotional.div(p.shares))]).toEqual(['CLOSED', '150.25000000', '150.25000000']);
  });
});

describe('exitPositionRule, rounding each exit once', () => {
  // Entry 100, price 100.00000001: each share moves by one unit, 0.00000001.
  const tiny = () => openState({ entryPrice: dec('100'), shares: dec('3'), stopLoss: dec('99'), currentPrice: dec('100.00000001') });

  it('may realize one unit more in two exits than in one: 1.5 + 1.5 shares give 0.00000002 twice, 3 shares 0.00000003', () => {
    const whole = exitPositionRule(tiny(), { shares: dec('3'), price: dec('100.00000001') }, NOW);
    const first = exitPositionRule(tiny(), { shares: dec('1.5'), price: dec('100.00000001') }, NOW);
    const second = exitPositionRule(afterExit(tiny(), first), { shares: dec('1.5'), price: dec('100.00000001') }, NOW);
    expect([fmt8(whole.realizedPnl), fmt8(first.exit.realizedPnl), fmt8(second.realizedPnl)]).toEqual([
      '0.00000003',
      '0.00000002',
      '0.00000004',
    ]);
    // The exit price does not depend on the split: the exited notional is exact.
    expect([f8(whole.exitPrice), f8(second.exitPrice)]).toEqual(['100.00000001', '100.00000001']);
  });

  it('may move the P&L of an OPEN position by one unit when it exits part of it at the current price', () => {
    // Before: current P&L 3 × 0.00000001. After: 0.00000002 realized and 0.00000002 on the 1.5 left.
    const o = exitPositionRule(tiny(), { shares: dec('1.5'), price: dec('100.00000001') }, NOW);
    expect([fmt8(o.realizedPnl), fmt8(o.currentPnl), fmt8(o.realizedPnl.plus(o.currentPnl))]).toEqual([
      '0.00000002',
      '0.00000002',
      '0.00000004',
    ]);
  });
});
