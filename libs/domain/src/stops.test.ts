import { describe, expect, it } from 'vitest';
import { dec } from './decimal.js';
import {
  breachAfterStopMove,
  breachFromCrossings,
  extremesToExit,
  firstAtEachInstant,
  firstBreach,
  isThroughStop,
  laterOf,
  stopCrossings,
} from './stops.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 25, 14, 0, s));
const tick = (price: string, s: number) => ({ price: dec(price), ts: at(s) });
const shown = (t: { price: { toFixed(n: number): string }; ts: Date } | null | undefined | 'ticks') =>
  t === 'ticks' || t == null ? t : [t.price.toFixed(8), t.ts.toISOString()];
const open = { entryDate: at(0), markedAt: null };

describe('stops that act (section 8)', () => {
  it('are reached at the stop itself and through it: LONG at or below, SHORT at or above', () => {
    expect([isThroughStop('LONG', dec('95'), dec('95')), isThroughStop('LONG', dec('94.99999999'), dec('95'))]).toEqual([true, true]);
    expect(isThroughStop('LONG', dec('95.00000001'), dec('95'))).toBe(false);
    expect([isThroughStop('SHORT', dec('105'), dec('105')), isThroughStop('SHORT', dec('105.00000001'), dec('105'))]).toEqual([true, true]);
    expect(isThroughStop('SHORT', dec('104.99999999'), dec('105'))).toBe(false);
  });

  it('are breached by the first tick through them, even when a later tick of the batch recovers: LONG 95, ticks 97 94.50 96', () => {
    const batch = [tick('97', 1), tick('94.5', 2), tick('96', 3)];
    expect(shown(firstBreach('LONG', dec('95'), open, batch))).toEqual(['94.50000000', at(2).toISOString()]);
    expect(shown(breachFromCrossings('LONG', dec('95'), open, stopCrossings(batch)))).toEqual(['94.50000000', at(2).toISOString()]);
    // A SHORT mirror: stop 105, ticks 103 105.50 104.
    const short = [tick('103', 1), tick('105.5', 2), tick('104', 3)];
    expect(shown(firstBreach('SHORT', dec('105'), open, short))).toEqual(['105.50000000', at(2).toISOString()]);
  });

  it('take the ticks in ts order within a batch, and of equal ts only the first processed', () => {
    // Processed 96, 94 (ts 3), 95.5 (ts 2), 90 (ts 2, same instant, processed later: late).
    const batch = [tick('96', 1), tick('94', 3), tick('95.5', 2), tick('90', 2)];
    expect(firstAtEachInstant(batch).map(shown)).toEqual([
      ['96.00000000', at(1).toISOString()],
      ['95.50000000', at(2).toISOString()],
      ['94.00000000', at(3).toISOString()],
    ]);
    expect(shown(firstBreach('LONG', dec('95'), open, batch))).toEqual(['94.00000000', at(3).toISOString()]);
  });

  it('are not breached by late ticks nor by ticks before the entry', () => {
    const batch = [tick('94', 1), tick('93', 2), tick('96', 3)];
    expect(firstBreach('LONG', dec('95'), { entryDate: at(0), markedAt: at(2) }, batch)).toBeUndefined();
    expect(firstBreach('LONG', dec('95'), { entryDate: at(3), markedAt: null }, batch)).toBeUndefined();
    // The crossings cannot tell: their first through the stop may not mark the position.
    expect(breachFromCrossings('LONG', dec('95'), { entryDate: at(0), markedAt: at(2) }, stopCrossings(batch))).toBe('ticks');
    expect(breachFromCrossings('LONG', dec('95.5'), open, stopCrossings([tick('96', 1)]))).toBeNull();
  });

  it('keep, of a batch, the ticks that set a new low or high since its first', () => {
    const batch = [tick('100', 1), tick('101', 2), tick('100.5', 3), tick('99', 4), tick('99.5', 5), tick('102', 6)];
    expect(stopCrossings(batch).map((t) => t.price.toFixed(2))).toEqual(['100.00', '101.00', '99.00', '102.00']);
  });

  it('freeze the excursions of an automatic exit at its tick: later ticks no longer count, earlier late ones do', () => {
    const ticks = [tick('97', 2), tick('99', 1), tick('94.5', 3), tick('98', 4), tick('90', 3)];
    const x = extremesToExit(ticks, at(1), tick('94.5', 3));
    expect([x.hi.toFixed(2), x.lo.toFixed(2)]).toEqual(['99.00', '94.50']);
  });

  it('move with the stop: breached at the mark when it is at or through the new stop, cleared when it is not', () => {
    const mark = { price: dec('96'), at: at(5) };
    expect(breachAfterStopMove('LONG', dec('96.5'), mark, null)).toEqual({ at: at(5), price: dec('96') });
    const earlier = { at: at(2), price: dec('94.5') };
    expect(breachAfterStopMove('LONG', dec('96'), mark, earlier)).toBe(earlier);
    expect(breachAfterStopMove('LONG', dec('95.99999999'), mark, earlier)).toBeNull();
    expect(breachAfterStopMove('SHORT', dec('95'), mark, null)).toEqual({ at: at(5), price: dec('96') });
    expect(breachAfterStopMove('LONG', dec('200'), null, null)).toBeNull();
    expect([laterOf(at(1), at(2)), laterOf(at(3), at(2)), laterOf(at(1), null)]).toEqual([at(2), at(3), at(1)]);
  });
});
