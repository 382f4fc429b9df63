import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divHalfEven, fromUnits, sideArb, UNIT, units, unitsToText } from '../test/arbitraries.js';
import { issuesOf, LONG_CAMPAIGN, longInput, NOW, openState, SHORT_CAMPAIGN } from '../test/rules.js';
import { fmt8 } from './decimal.js';
import { VersionConflictError } from './errors.js';
import { positionPnl } from './pnl.js';
import { checkIfMatch, closePositionRule, moveStopRule, openPosition } from './rules.js';

// Prices and sizes whose products stay inside NUMERIC(18,8).
const price = units(1n, 100_000n * UNIT);
const shares = units(1n, 10_000n * UNIT);

describe('openPosition, for any prices', () => {
  it('rejects every LONG stop at or above the entry', () => {
    fc.assert(
      fc.property(price, units(0n, 100_000n * UNIT), shares, (entry, above, qty) => {
        const input = longInput({ entryPrice: fromUnits(entry), stopLoss: fromUnits(entry + above), shares: fromUnits(qty) });
        expect(issuesOf(() => openPosition(LONG_CAMPAIGN, input, NOW))).toEqual([
          { path: 'stop_loss', message: 'must be below entry_price in a LONG campaign' },
        ]);
      }),
    );
  });

  it('rejects every SHORT stop at or below the entry', () => {
    fc.assert(
      fc.property(price, units(0n, 100_000n * UNIT), shares, (stop, above, qty) => {
        const input = longInput({
          patternType: 'SOW',
          entryPrice: fromUnits(stop + above),
          stopLoss: fromUnits(stop),
          shares: fromUnits(qty),
        });
        expect(issuesOf(() => openPosition(SHORT_CAMPAIGN, input, NOW))).toEqual([
          { path: 'stop_loss', message: 'must be above entry_price in a SHORT campaign' },
        ]);
      }),
    );
  });

  it('accepts every LONG stop below the entry with a positive risk computed exactly', () => {
    fc.assert(
      fc.property(price, price, shares, (a, b, qty) => {
        fc.pre(a !== b);
        const [stop, entry] = a < b ? [a, b] : [b, a];
        const input = longInput({ entryPrice: fromUnits(entry), stopLoss: fromUnits(stop), shares: fromUnits(qty) });
        const p = openPosition(LONG_CAMPAIGN, input, NOW);
        expect(fmt8(p.risk)).toBe(unitsToText(divHalfEven((entry - stop) * qty, UNIT)));
        expect(p.risk.isNegative()).toBe(false);
        expect([fmt8(p.currentPrice), fmt8(p.currentPnl)]).toEqual([fmt8(p.entryPrice), '0.00000000']);
      }),
    );
  });
});

describe('closePositionRule and moveStopRule, for any prices', () => {
  it('realize the P&L formula at the exit price', () => {
    fc.assert(
      fc.property(sideArb, price, shares, price, (side, entry, qty, exit) => {
        const p = openState({ side, entryPrice: fromUnits(entry), shares: fromUnits(qty) });
        const c = closePositionRule(p, fromUnits(exit), undefined, NOW);
        // A single exit: the exit price is the price itself, not a rounded average.
        expect(c.exitPrice === null ? null : fmt8(c.exitPrice)).toBe(unitsToText(exit));
        expect(fmt8(c.realizedPnl)).toBe(fmt8(positionPnl(side, p.entryPrice, p.shares, fromUnits(exit))));
        expect(fmt8(c.currentPnl)).toBe(fmt8(c.realizedPnl));
        expect([c.closes, fmt8(c.openShares), fmt8(c.risk)]).toEqual([true, '0.00000000', '0.00000000']);
        expect(c.closedDate?.getTime()).toBeGreaterThanOrEqual(p.entryDate.getTime());
      }),
    );
  });

  it('move a stop anywhere above zero, with a risk whose sign follows the stop side', () => {
    fc.assert(
      fc.property(sideArb, price, shares, price, (side, entry, qty, stop) => {
        const moved = moveStopRule(openState({ side, entryPrice: fromUnits(entry), shares: fromUnits(qty) }), fromUnits(stop));
        const gap = side === 'LONG' ? entry - stop : stop - entry;
        expect(fmt8(moved.risk)).toBe(unitsToText(divHalfEven(gap * qty, UNIT)));
      }),
    );
  });
});

describe('checkIfMatch, for any versions', () => {
  it('throws exactly when a different version is given', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
        (current, given) => {
          const run = () => checkIfMatch(current, given);
          if (given === undefined || given === current) expect(run).not.toThrow();
          else expect(run).toThrow(VersionConflictError);
        },
      ),
    );
  });
});
