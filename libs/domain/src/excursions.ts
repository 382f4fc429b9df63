import type { Dec } from './decimal.js';
import { divUnits, fromUnits, toUnits } from './fixed8.js';
import type { Side } from './model.js';

/** A price seen at an instant: what excursions are made of. */
export interface PricePoint {
  price: Dec;
  ts: Date;
}

/** The highest and lowest price of the ticks at or after `ts` (in a batch, for one symbol). */
export interface ExcursionStep {
  ts: Date;
  hi: Dec;
  lo: Dec;
}

/**
 * What a batch's ticks of one symbol can do to excursions, compact: for any entry date `e`, the
 * extremes of the ticks with `ts ≥ e` are those of the first step with `ts ≥ e` (none: no tick
 * counts). Steps are the ticks, in time order, at which the highest or lowest price of the ticks
 * from there on changes, each with those extremes; the first step holds the batch's extremes.
 * For random prices their number grows with the logarithm of the ticks', not with it.
 */
export function excursionSteps(ticks: readonly PricePoint[]): ExcursionStep[] {
  // The extremes of each instant, latest instant first.
  const instants = new Map<number, { hi: Dec; lo: Dec }>();
  for (const t of ticks) {
    const k = t.ts.getTime();
    const seen = instants.get(k);
    if (!seen) instants.set(k, { hi: t.price, lo: t.price });
    else {
      if (t.price.gt(seen.hi)) seen.hi = t.price;
      if (t.price.lt(seen.lo)) seen.lo = t.price;
    }
  }
  const steps: ExcursionStep[] = [];
  let hi: Dec | undefined;
  let lo: Dec | undefined;
  for (const [k, x] of [...instants.entries()].sort((a, b) => b[0] - a[0])) {
    const moves = hi === undefined || lo === undefined || x.hi.gt(hi) || x.lo.lt(lo);
    if (hi === undefined || x.hi.gt(hi)) hi = x.hi;
    if (lo === undefined || x.lo.lt(lo)) lo = x.lo;
    if (moves) steps.push({ ts: new Date(k), hi, lo });
  }
  return steps.reverse();
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
  const entry = toUnits(entryPrice);
  const risk = abs(entry - toUnits(initialStop));
  return risk === 0n ? fromUnits(0n) : fromUnits(divUnits(abs(toUnits(extreme) - entry), risk));
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
