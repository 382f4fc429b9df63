import { describe, expect, it } from 'vitest';
import { conflictOf, issuesOf, NOW, openState } from '../test/rules.js';
import { type Dec, dec, fmt8 } from './decimal.js';
import { closePositionRule, moveStopRule } from './position-rules.js';

const at = (ms: number): Date => new Date(NOW.getTime() + ms);
const f8 = (x: Dec | null): string | null => (x === null ? null : fmt8(x));

describe('closePositionRule', () => {
  it('realizes the P&L at the exit and freezes the current price and P&L there', () => {
    const c = closePositionRule(openState(), dec('1.2625'), at(-1_000), NOW);
    expect([f8(c.exitPrice), fmt8(c.realizedPnl), fmt8(c.currentPrice), fmt8(c.currentPnl), c.closedDate]).toEqual([
      '1.26250000',
      '100.00000000',
      '1.26250000',
      '100.00000000',
      at(-1_000),
    ]);
  });

  it('is an exit of every open share that closes the position, with a zero risk and the fees unchanged without a fee', () => {
    const c = closePositionRule(openState(), dec('1.2625'), undefined, NOW);
    expect([c.closes, fmt8(c.openShares), fmt8(c.risk), fmt8(c.fees), c.closedDate]).toEqual([
      true,
      '0.00000000',
      '0.00000000',
      '0.00000000',
      NOW,
    ]);
    expect([fmt8(c.exit.shares), fmt8(c.exit.price), c.exit.date, fmt8(c.exit.fee), fmt8(c.exit.realizedPnl)]).toEqual([
      '8000.00000000',
      '1.26250000',
      NOW,
      '0.00000000',
      '100.00000000',
    ]);
  });

  it('adds its fee to the fees of the position', () => {
    const c = closePositionRule(openState({ fees: dec('2.5') }), dec('1.2625'), undefined, NOW, dec('1.25'));
    expect([fmt8(c.exit.fee), fmt8(c.fees), fmt8(c.realizedPnl)]).toEqual(['1.25000000', '3.75000000', '100.00000000']);
  });

  it('realizes a SHORT loss as a negative figure', () => {
    const c = closePositionRule(openState({ side: 'SHORT', stopLoss: dec('1.26') }), dec('1.2575'), undefined, NOW);
    expect(fmt8(c.realizedPnl)).toBe('-60.00000000');
    expect(c.closedDate).toEqual(NOW);
  });

  it('closes a position entered a few seconds ahead at its entry date when no date is given', () => {
    const entryDate = at(30_000);
    expect(closePositionRule(openState({ entryDate }), dec('1.3'), undefined, NOW).closedDate).toEqual(entryDate);
  });

  it('refuses a closed position', () => {
    expect(conflictOf(() => closePositionRule(openState({ status: 'CLOSED' }), dec('0'), undefined, NOW))).toBe(
      'position is already closed',
    );
  });

  it('checks the exit price and the close date', () => {
    const entryDate = openState().entryDate;
    expect(issuesOf(() => closePositionRule(openState(), dec('0'), new Date(entryDate.getTime() - 1), NOW))).toEqual([
      { path: 'exit_price', message: 'must be greater than 0' },
      { path: 'closed_date', message: 'may not precede entry_date' },
    ]);
    expect(closePositionRule(openState(), dec('1'), entryDate, NOW).closedDate).toEqual(entryDate);
    expect(closePositionRule(openState(), dec('1'), at(60_000), NOW).closedDate).toEqual(at(60_000));
    expect(issuesOf(() => closePositionRule(openState(), dec('1'), at(60_001), NOW))).toEqual([
      { path: 'closed_date', message: 'may not be more than 60 s in the future' },
    ]);
  });

  it('refuses a close whose realized P&L overflows NUMERIC(18,8)', () => {
    const p = openState({ entryPrice: dec('1'), shares: dec('1000000000'), stopLoss: dec('0.5') });
    expect(issuesOf(() => closePositionRule(p, dec('100'), undefined, NOW))).toEqual([
      { path: 'exit_price', message: 'realized P&L exceeds 9999999999.99999999' },
    ]);
  });
});

describe('moveStopRule', () => {
  it.each([
    ['LONG', '1.248', '16.00000000'],
    ['LONG', '1.26', '-80.00000000'],
    ['SHORT', '1.255', '40.00000000'],
    ['SHORT', '1.24', '-80.00000000'],
  ] as const)('moves a %s stop to %s with risk %s', (side, stop, risk) => {
    const moved = moveStopRule(openState({ side }), dec(stop));
    expect([fmt8(moved.stopLoss), fmt8(moved.risk)]).toEqual([fmt8(dec(stop)), risk]);
  });

  it('measures the risk on the open shares only, once some have been exited', () => {
    const p = openState({ openShares: dec('2000'), realizedPnl: dec('25'), exitedNotional: dec('7563.75') });
    expect(fmt8(moveStopRule(p, dec('1.248')).risk)).toBe('4.00000000');
    expect(fmt8(moveStopRule({ ...p, side: 'SHORT' }, dec('1.255')).risk)).toBe('10.00000000');
  });

  it('refuses a closed position, a stop not above zero and a risk that overflows', () => {
    expect(conflictOf(() => moveStopRule(openState({ status: 'CLOSED' }), dec('1')))).toBe('position is closed');
    expect(issuesOf(() => moveStopRule(openState(), dec('0')))).toEqual([{ path: 'stop_loss', message: 'must be greater than 0' }]);
    const big = openState({ side: 'SHORT', entryPrice: dec('1'), shares: dec('1000000000') });
    expect(issuesOf(() => moveStopRule(big, dec('100')))).toEqual([{ path: 'stop_loss', message: 'risk exceeds 9999999999.99999999' }]);
  });
});
