import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromUnits, priceUnits, sideArb } from '../test/arbitraries.js';
import { type Dec, dec, fmt8 } from './decimal.js';
import {
  comparePriceText,
  type Excursions,
  excursionR,
  excursionSteps,
  extremesSince,
  moveExcursions,
  type PricePoint,
  startExcursions,
} from './excursions.js';
import type { Side } from './model.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 14, 0, s));
const tick = (price: string, s: number): PricePoint => ({ price: dec(price), ts: at(s) });
const text = (e: Excursions) => [fmt8(e.maxFavorablePrice), fmt8(e.maxAdversePrice)];

/** A batch applied as the marks statement applies it: the extremes of the ticks since the entry. */
function applyBatch(side: Side, e: Excursions, entry: Date, batch: readonly PricePoint[]): Excursions {
  const x = extremesSince(excursionSteps(batch), entry);
  return x ? moveExcursions(side, e, x.hi, x.lo) : e;
}

describe('excursions (section 9)', () => {
  it('see every tick of a batch, not only the newest: LONG 100 stop 98, ticks 101 104 99 103', () => {
    const e = applyBatch('LONG', startExcursions('LONG', dec('100')), at(0), [
      tick('101', 1),
      tick('104', 2),
      tick('99', 3),
      tick('103', 4),
    ]);
    expect(text(e)).toEqual(['104.00000000', '99.00000000']);
    // |104 − 100| / |100 − 98| = 2; |99 − 100| / 2 = 0.5.
    expect(excursionR('100.00000000', '98.00000000', '104.00000000')).toBe('2.00000000');
    expect(excursionR('100.00000000', '98.00000000', '99.00000000')).toBe('0.50000000');
  });

  it('mirror for SHORT: the favorable price is the lowest', () => {
    const e = applyBatch('SHORT', startExcursions('SHORT', dec('100')), at(0), [
      tick('99', 1),
      tick('96', 2),
      tick('101', 3),
      tick('97', 4),
    ]);
    expect(text(e)).toEqual(['96.00000000', '101.00000000']);
    expect(excursionR('100.00000000', '102.00000000', '96.00000000')).toBe('2.00000000');
    expect(excursionR('100.00000000', '102.00000000', '101.00000000')).toBe('0.50000000');
  });

  it('ignore ticks before the entry, and start from the mark a position is recorded with', () => {
    const e = applyBatch('LONG', startExcursions('LONG', dec('100'), dec('100.5')), at(10), [
      tick('120', 5),
      tick('90', 9),
      tick('101', 10),
    ]);
    expect(text(e)).toEqual(['101.00000000', '100.00000000']);
    expect(text(startExcursions('LONG', dec('100'), dec('99')))).toEqual(['100.00000000', '99.00000000']);
    expect(text(startExcursions('SHORT', dec('100'), dec('99')))).toEqual(['99.00000000', '100.00000000']);
  });

  it('count every tick of an instant for an entry at that instant', () => {
    const steps = excursionSteps([tick('5', 1), tick('10', 2), tick('1', 2), tick('3', 3)]);
    expect(extremesSince(steps, at(2))).toEqual({ hi: dec('10'), lo: dec('1') });
    expect(extremesSince(steps, at(1))).toEqual({ hi: dec('10'), lo: dec('1') });
    expect(extremesSince(steps, at(3))).toEqual({ hi: dec('3'), lo: dec('3') });
    expect(extremesSince(steps, at(4))).toBeUndefined();
  });

  it('equal, for any ticks cut into any batches arriving in any order, those of the whole sequence at once', () => {
    const tickArb = fc.record({ price: priceUnits, s: fc.integer({ min: 0, max: 40 }) });
    fc.assert(
      fc.property(
        sideArb,
        priceUnits,
        fc.integer({ min: 0, max: 40 }),
        fc.array(tickArb, { minLength: 0, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
        fc.infiniteStream(fc.nat()),
        (side, entryUnits, entryS, raw, cuts, order) => {
          const ticks = raw.map((t) => ({ price: fromUnits(t.price), ts: at(t.s) }));
          // Arrival order shuffled, then cut into batches of the given sizes.
          const shuffled = [...ticks];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (order.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j] as PricePoint, shuffled[i] as PricePoint];
          }
          const batches: PricePoint[][] = [];
          for (let i = 0, c = 0; i < shuffled.length; c++) {
            const size = cuts[c % cuts.length] as number;
            batches.push(shuffled.slice(i, i + size));
            i += size;
          }
          const entry = fromUnits(entryUnits);
          let e = startExcursions(side, entry);
          for (const b of batches) e = applyBatch(side, e, at(entryS), b);
          // At once: every tick not before the entry.
          const seen = ticks.filter((t) => t.ts.getTime() >= at(entryS).getTime()).map((t) => t.price);
          const hi = seen.reduce((a: Dec, p) => (p.gt(a) ? p : a), entry);
          const lo = seen.reduce((a: Dec, p) => (p.lt(a) ? p : a), entry);
          const expected = side === 'LONG' ? [hi, lo] : [lo, hi];
          expect(text(e)).toEqual(expected.map(fmt8));
          // Replaying every batch changes nothing.
          let again = e;
          for (const b of batches) again = applyBatch(side, again, at(entryS), b);
          expect(text(again)).toEqual(text(e));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keep few steps: the first holds the batch extremes, and no two share an instant', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ price: priceUnits, s: fc.integer({ min: 0, max: 20 }) }), { minLength: 1, maxLength: 60 }),
        (raw) => {
          const ticks = raw.map((t) => ({ price: fromUnits(t.price), ts: at(t.s) }));
          const steps = excursionSteps(ticks);
          const prices = ticks.map((t) => t.price);
          expect(fmt8(steps[0]?.hi as Dec)).toBe(fmt8(prices.reduce((a, p) => (p.gt(a) ? p : a))));
          expect(fmt8(steps[0]?.lo as Dec)).toBe(fmt8(prices.reduce((a, p) => (p.lt(a) ? p : a))));
          const instants = steps.map((s) => s.ts.getTime());
          expect(new Set(instants).size).toBe(instants.length);
          expect([...instants].sort((a, b) => a - b)).toEqual(instants);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('in R are 0 when the stop at entry is the entry, and never negative', () => {
    expect(excursionR('100', '100', '120')).toBe('0.00000000');
    expect(excursionR('100.00000000', '102.00000000', '103.00000000')).toBe('1.50000000');
    // 1 / 3 = 0.333333333… → 0.33333333.
    expect(excursionR('10.00000000', '7.00000000', '11.00000000')).toBe('0.33333333');
  });

  it('order prices as text exactly as decimals do, even where doubles cannot tell them apart', () => {
    expect(comparePriceText('1234567890.12345678', '1234567890.12345679')).toBe(-1);
    expect(comparePriceText('0001.50000000', '1.5')).toBe(0);
    expect(comparePriceText('2.00000000', '10.00000000')).toBe(-1);
    fc.assert(
      fc.property(priceUnits, priceUnits, (a, b) => {
        const [x, y] = [fromUnits(a), fromUnits(b)];
        expect(comparePriceText(fmt8(x), fmt8(y))).toBe(x.cmp(y));
      }),
      { numRuns: 500 },
    );
  });
});
