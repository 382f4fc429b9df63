import type { Dec } from './decimal.js';
import { absRatioText8, toUnits } from './fixed8.js';
import type { Side } from './model.js';

/** A price seen at an instant: what excursions are made of. */
export interface PricePoint {
  price: Dec;
  ts: Date;
}

/** The highest and lowest price of the ticks at or after `ts` (in a batch, for one symbol). */
export interface ExcursionStep<P = Dec, T = Date> {
  ts: T;
  hi: P;
  lo: P;
}

/**
 * What a batch's ticks of one symbol can do to excursions, compact: for any entry date `e`, the
 * extremes of the ticks with `ts ≥ e` are those of the first step with `ts ≥ e` (none: no tick
 * counts). Steps are the instants, in time order, at which the highest or lowest price of the
 * ticks from there on changes, each with those extremes; the first step holds the batch's
 * extremes. For random prices their number grows with the logarithm of the ticks', not with it.
 *
 * Generic over how prices and instants are held, so that a batch of thousands of ticks is reduced
 * on their text before any is converted: `comparePrice` and `compareTs` order them.
 */
export function excursionSteps<P = Dec, T = Date>(
  ticks: readonly { price: P; ts: T }[],
  comparePrice: (a: P, b: P) => number = compareDec as unknown as (a: P, b: P) => number,
  compareTs: (a: T, b: T) => number = compareDate as unknown as (a: T, b: T) => number,
): ExcursionStep<P, T>[] {
  const sorted = [...ticks].sort((a, b) => compareTs(b.ts, a.ts));
  const steps: ExcursionStep<P, T>[] = [];
  let hi: P | undefined;
  let lo: P | undefined;
  for (let i = 0; i < sorted.length; ) {
    // The extremes of one instant (ticks sharing a ts are seen by an entry at that ts together).
    const ts = (sorted[i] as { ts: T }).ts;
    let instantHi = (sorted[i] as { price: P }).price;
    let instantLo = instantHi;
    for (i++; i < sorted.length && compareTs((sorted[i] as { ts: T }).ts, ts) === 0; i++) {
      const price = (sorted[i] as { price: P }).price;
      if (comparePrice(price, instantHi) > 0) instantHi = price;
      if (comparePrice(price, instantLo) < 0) instantLo = price;
    }
    const moves = hi === undefined || lo === undefined || comparePrice(instantHi, hi) > 0 || comparePrice(instantLo, lo) < 0;
    if (hi === undefined || comparePrice(instantHi, hi) > 0) hi = instantHi;
    if (lo === undefined || comparePrice(instantLo, lo) < 0) lo = instantLo;
    if (moves) steps.push({ ts, hi, lo });
  }
  return steps.reverse();
}

const compareDec = (a: Dec, b: Dec): number => a.cmp(b);
const compareDate = (a: Date, b: Date): number => a.getTime() - b.getTime();

/**
 * Orders two prices written as the contract's decimal text (at most 8 fractional digits) without
 * building decimals: as doubles first (rounding to a double never reverses an order), exactly as
 * integers of 10⁻⁸ only when the doubles tie.
 */
export function comparePriceText(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (x !== y) return x < y ? -1 : 1;
  if (a === b) return 0;
  const u = toUnits(a);
  const v = toUnits(b);
  return u < v ? -1 : u > v ? 1 : 0;
}

/** The extremes of the ticks at or after `entryDate`, from a batch's steps; undefined when no tick counts. */
export function extremesSince(steps: readonly ExcursionStep[], entryDate: Date): { hi: Dec; lo: Dec } | undefined {
  const s = steps.find((x) => x.ts.getTime() >= entryDate.getTime());
  return s && { hi: s.hi, lo: s.lo };
}

/** A position's excursion prices: LONG the highest and lowest price seen, SHORT the lowest and highest. */
export interface Excursions {
  maxFavorablePrice: Dec;
  maxAdversePrice: Dec;
}

/** The excursions of a position entered at `entryPrice`, and marked at once at `markPrice` when given. */
export function startExcursions(side: Side, entryPrice: Dec, markPrice?: Dec): Excursions {
  return moveExcursions(
    side,
    { maxFavorablePrice: entryPrice, maxAdversePrice: entryPrice },
    markPrice ?? entryPrice,
    markPrice ?? entryPrice,
  );
}

/** Excursions moved by prices as high as `hi` and as low as `lo` (max and min: order and repeats do not matter). */
export function moveExcursions(side: Side, e: Excursions, hi: Dec, lo: Dec): Excursions {
  const max = (a: Dec, b: Dec) => (b.gt(a) ? b : a);
  const min = (a: Dec, b: Dec) => (b.lt(a) ? b : a);
  return side === 'LONG'
    ? { maxFavorablePrice: max(e.maxFavorablePrice, hi), maxAdversePrice: min(e.maxAdversePrice, lo) }
    : { maxFavorablePrice: min(e.maxFavorablePrice, lo), maxAdversePrice: max(e.maxAdversePrice, hi) };
}

/**
 * An excursion in R: `|extreme − entry_price| / |entry_price − initial_stop|`, rounded once to 8
 * digits, half-even, from the contract's decimal text; `"0.00000000"` when the initial stop is the
 * entry (which no entry rule allows). In integers of 10⁻⁸: it is derived for every row a read returns.
 */
export function excursionR(entryPrice: string, initialStop: string, extreme: string): string {
  return absRatioText8(extreme, entryPrice, entryPrice, initialStop) ?? '0.00000000';
}
