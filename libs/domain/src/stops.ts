import type { Dec } from './decimal.js';
import type { Side } from './model.js';

/**
 * Stops that act (section 8). A position is breached by the first tick, by `ts`, among the ticks
 * that may mark it (section 6), whose price is at or through its stop. The functions are generic
 * over how prices and instants are held, as `excursionSteps` is: the marks reduce a batch of
 * thousands of ticks on their text, the commands use decimals and dates.
 */

/** Orders two prices or two instants. */
export type Compare<X> = (a: X, b: X) => number;

/** A price at an instant. */
export interface StopTick<P = Dec, T = Date> {
  price: P;
  ts: T;
}

/** The ticks that may mark a position: not before its entry, and after the mark it carries (null: none yet). */
export interface MarkWindow<T = Date> {
  entryDate: T;
  markedAt: T | null;
}

const compareDec: Compare<Dec> = (a, b) => a.cmp(b);
const compareDate: Compare<Date> = (a, b) => a.getTime() - b.getTime();
const defaultPrice = <P>() => compareDec as unknown as Compare<P>;
const defaultTs = <T>() => compareDate as unknown as Compare<T>;

/** Whether a price is at or through a stop: LONG at or below it, SHORT at or above it. */
export function isThroughStop<P = Dec>(side: Side, price: P, stop: P, comparePrice: Compare<P> = defaultPrice<P>()): boolean {
  const c = comparePrice(price, stop);
  return side === 'LONG' ? c <= 0 : c >= 0;
}

/** Whether a tick at `ts` may mark a position with this window. */
export function inMarkWindow<T = Date>(ts: T, w: MarkWindow<T>, compareTs: Compare<T> = defaultTs<T>()): boolean {
  return compareTs(ts, w.entryDate) >= 0 && (w.markedAt === null || compareTs(ts, w.markedAt) > 0);
}

/**
 * The ticks of a batch (of one symbol, in the order they were processed) that may be a mark: in
 * `ts` order, one per instant, the first processed at it (a later one of the same `ts` is late).
 */
export function firstAtEachInstant<P, T>(ticks: readonly StopTick<P, T>[], compareTs: Compare<T> = defaultTs<T>()): StopTick<P, T>[] {
  // Array sort is stable: ticks of one instant keep the order they were processed in.
  const sorted = [...ticks].sort((a, b) => compareTs(a.ts, b.ts));
  const out: StopTick<P, T>[] = [];
  for (const t of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || compareTs(last.ts, t.ts) !== 0) out.push(t);
  }
  return out;
}

/**
 * The reference: the first tick of a batch that breaches a position, or undefined. Every tick is
 * looked at; the marks use {@link stopCrossings} and come here only when those cannot tell.
 */
export function firstBreach<P = Dec, T = Date>(
  side: Side,
  stop: P,
  window: MarkWindow<T>,
  ticks: readonly StopTick<P, T>[],
  comparePrice: Compare<P> = defaultPrice<P>(),
  compareTs: Compare<T> = defaultTs<T>(),
): StopTick<P, T> | undefined {
  return firstAtEachInstant(ticks, compareTs).find(
    (t) => inMarkWindow(t.ts, window, compareTs) && isThroughStop(side, t.price, stop, comparePrice),
  );
}

/**
 * What a batch's ticks of one symbol can do to stops, compact: of the ticks that may be a mark
 * ({@link firstAtEachInstant}), those that set a new low or a new high since the batch's first, in
 * `ts` order. The first tick at or through a stop is always one of them (a tick through a LONG
 * stop is at or above the lowest price before it, which one of them set, and that one is through
 * the stop too). For random prices their number grows with the logarithm of the ticks'.
 */
export function stopCrossings<P = Dec, T = Date>(
  ticks: readonly StopTick<P, T>[],
  comparePrice: Compare<P> = defaultPrice<P>(),
  compareTs: Compare<T> = defaultTs<T>(),
): StopTick<P, T>[] {
  return crossingsOf(firstAtEachInstant(ticks, compareTs), comparePrice);
}

/** {@link stopCrossings} of ticks already reduced by {@link firstAtEachInstant}. */
export function crossingsOf<P = Dec, T = Date>(
  instants: readonly StopTick<P, T>[],
  comparePrice: Compare<P> = defaultPrice<P>(),
): StopTick<P, T>[] {
  const out: StopTick<P, T>[] = [];
  let lo: P | undefined;
  let hi: P | undefined;
  for (const t of instants) {
    const lower = lo === undefined || comparePrice(t.price, lo) < 0;
    const higher = hi === undefined || comparePrice(t.price, hi) > 0;
    if (lower) lo = t.price;
    if (higher) hi = t.price;
    if (lower || higher) out.push(t);
  }
  return out;
}

/**
 * The breach a batch's {@link stopCrossings} tell of: the first crossing at or through the stop
 * when it may mark the position (no earlier tick of the batch is through the stop); null when
 * none is through it; `'ticks'` when the first one through it may not mark the position (before
 * its entry, or late), so that only the batch's ticks can tell ({@link firstBreach}).
 */
export function breachFromCrossings<P = Dec, T = Date>(
  side: Side,
  stop: P,
  window: MarkWindow<T>,
  crossings: readonly StopTick<P, T>[],
  comparePrice: Compare<P> = defaultPrice<P>(),
  compareTs: Compare<T> = defaultTs<T>(),
): StopTick<P, T> | null | 'ticks' {
  const c = crossings.find((t) => isThroughStop(side, t.price, stop, comparePrice));
  if (c === undefined) return null;
  return inMarkWindow(c.ts, window, compareTs) ? c : 'ticks';
}

/**
 * The extremes a position sees up to an automatic exit at `exit` (the first tick of its instant):
 * the ticks not before `entryDate` and before the exit's instant (late ones too, as for every
 * excursion), and the exit's tick; the ticks after it no longer touch the closed position.
 */
export function extremesToExit<P = Dec, T = Date>(
  ticks: readonly StopTick<P, T>[],
  entryDate: T,
  exit: StopTick<P, T>,
  comparePrice: Compare<P> = defaultPrice<P>(),
  compareTs: Compare<T> = defaultTs<T>(),
): { hi: P; lo: P } {
  let hi = exit.price;
  let lo = exit.price;
  for (const t of ticks) {
    if (compareTs(t.ts, entryDate) < 0 || compareTs(t.ts, exit.ts) >= 0) continue;
    if (comparePrice(t.price, hi) > 0) hi = t.price;
    if (comparePrice(t.price, lo) < 0) lo = t.price;
  }
  return { hi, lo };
}

/** Where a stop breach stands: its instant and price, or null. */
export interface StopBreach<P = Dec, T = Date> {
  at: T;
  price: P;
}

/**
 * The breach of a position after its stop moved to `stop`: breached at its mark when the mark is
 * at or through the new stop (an earlier breach kept as it was), else none. A position without a
 * mark has none. A stop move never exits a position.
 */
export function breachAfterStopMove(
  side: Side,
  stop: Dec,
  mark: { price: Dec; at: Date } | null,
  before: StopBreach | null,
): StopBreach | null {
  if (mark === null || !isThroughStop(side, mark.price, stop)) return null;
  return before ?? { at: mark.at, price: mark.price };
}

/** The later of two instants (the second may be null). */
export function laterOf(a: Date, b: Date | null): Date {
  return b !== null && b.getTime() > a.getTime() ? b : a;
}
