import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sideArb, UNIT, unitsToText } from '../test/arbitraries.js';
import { comparePriceText, excursionSteps } from './excursions.js';
import type { Side } from './model.js';
import {
  breachFromCrossings,
  type Compare,
  extremesToExit,
  firstAtEachInstant,
  firstBreach,
  type MarkWindow,
  type StopTick,
  stopCrossings,
} from './stops.js';

/*
 * The marks statement finds a breach from each batch's crossings and, when they cannot tell, from
 * the batch's ticks; it closes a position of an automatic-exit campaign at its breaching tick. For
 * any ts-ordered tick sequence cut into any batches, delivered with duplicates and replays, that
 * must come to what the whole sequence, taken at once by the reference, gives.
 */

type Tick = StopTick<string, string>;
const compareText: Compare<string> = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const T0 = Date.UTC(2026, 10, 25, 14, 0, 0);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
/** Prices on a grid of 0.25 around the stop of 100 (LONG) or its mirror (SHORT), so that they tie and cross. */
const priceText = (quarters: number) => unitsToText((BigInt(quarters) * UNIT) / 4n);
const max = (a: string, b: string) => (comparePriceText(a, b) >= 0 ? a : b);
const min = (a: string, b: string) => (comparePriceText(a, b) <= 0 ? a : b);

/** What the store holds of one position, as the marks see it. */
interface Held {
  markedAt: string | null;
  breach: Tick | null;
  exit: { price: string; date: string } | null;
  /** The highest and lowest price seen (section 9), side-neutral. */
  hi: string;
  lo: string;
}

interface Position {
  side: Side;
  stop: string;
  entryDate: string;
  lastExitDate: string | null;
  auto: boolean;
}

const window = (p: Position, h: Held): MarkWindow<string> => ({ entryDate: p.entryDate, markedAt: h.markedAt });

/** One batch, as the marks statement and the automatic exit apply it. */
function applyBatch(p: Position, h: Held, batch: readonly Tick[]): Held {
  if (h.exit !== null || batch.length === 0) return h;
  const instants = firstAtEachInstant(batch, compareText);
  const newest = instants[instants.length - 1] as Tick;
  const w = window(p, h);
  let breach = h.breach;
  if (breach === null) {
    const told = breachFromCrossings(p.side, p.stop, w, stopCrossings(batch, comparePriceText, compareText), comparePriceText, compareText);
    breach = told === 'ticks' ? (firstBreach(p.side, p.stop, w, batch, comparePriceText, compareText) ?? null) : told;
  }
  if (p.auto && breach !== null && h.breach === null) {
    const x = extremesToExit(batch, p.entryDate, breach, comparePriceText, compareText);
    const date = p.lastExitDate !== null && p.lastExitDate > breach.ts ? p.lastExitDate : breach.ts;
    return { markedAt: breach.ts, breach, exit: { price: breach.price, date }, hi: max(h.hi, x.hi), lo: min(h.lo, x.lo) };
  }
  // The excursions: the batch's extremes since the entry, late ticks included.
  const steps = excursionSteps(batch, comparePriceText, compareText);
  const since = steps.find((s) => s.ts >= p.entryDate);
  const marks = newest.ts >= p.entryDate && (h.markedAt === null || newest.ts > h.markedAt);
  return {
    markedAt: marks ? newest.ts : h.markedAt,
    breach,
    exit: null,
    hi: since ? max(h.hi, since.hi) : h.hi,
    lo: since ? min(h.lo, since.lo) : h.lo,
  };
}

/** The whole sequence at once, by the reference. */
function wholeSequence(p: Position, start: Held, ticks: readonly Tick[]): Held {
  const breach = firstBreach(p.side, p.stop, window(p, start), ticks, comparePriceText, compareText) ?? null;
  const closes = p.auto && breach !== null;
  const seen = ticks.filter((t) => t.ts >= p.entryDate && (!closes || t.ts < (breach as Tick).ts));
  const prices = closes ? [...seen.map((t) => t.price), (breach as Tick).price] : seen.map((t) => t.price);
  const marks = firstAtEachInstant(ticks, compareText).filter(
    (t) => t.ts >= p.entryDate && (start.markedAt === null || t.ts > start.markedAt),
  );
  return {
    markedAt: closes ? (breach as Tick).ts : (marks[marks.length - 1]?.ts ?? start.markedAt),
    breach,
    exit: closes ? { price: (breach as Tick).price, date: max2((breach as Tick).ts, p.lastExitDate) } : null,
    hi: prices.reduce(max, start.hi),
    lo: prices.reduce(min, start.lo),
  };
}

const max2 = (a: string, b: string | null) => (b !== null && b > a ? b : a);

/** A ts-ordered sequence: steps of 0 to 2 seconds (0: ticks of one instant), prices on the grid. */
const sequenceArb = fc.array(fc.record({ step: fc.nat({ max: 2 }), quarters: fc.integer({ min: 376, max: 424 }) }), {
  minLength: 1,
  maxLength: 40,
});

/** How the sequence is delivered: where batches end, and which earlier ticks come again. */
const deliveryArb = fc.record({
  cuts: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  copies: fc.array(fc.record({ batch: fc.nat(), of: fc.nat(), at: fc.nat() }), { maxLength: 12 }),
});

function deliver(ticks: readonly Tick[], d: { cuts: boolean[]; copies: { batch: number; of: number; at: number }[] }): Tick[][] {
  const batches: Tick[][] = [[]];
  ticks.forEach((t, i) => {
    (batches[batches.length - 1] as Tick[]).push(t);
    if (d.cuts[i] && i < ticks.length - 1) batches.push([]);
  });
  // A copy of a tick already delivered (an earlier batch's: a replay; its own batch's, after it:
  // a duplicate) goes anywhere in a later position of the delivery.
  let delivered = 0;
  const ends = batches.map((b) => {
    delivered += b.length;
    return delivered;
  });
  const starts = batches.map((b, k) => (ends[k] as number) - b.length);
  for (const c of d.copies) {
    const k = c.batch % batches.length;
    const batch = batches[k] as Tick[];
    const copy = ticks[c.of % (ends[k] as number)] as Tick;
    // Within its own batch a copy follows the original; in a later batch it may go anywhere.
    const own = ticks.indexOf(copy) >= (starts[k] as number);
    const from = own ? batch.indexOf(copy) + 1 : 0;
    batch.splice(from + (c.at % (batch.length - from + 1)), 0, copy);
  }
  return batches;
}

const positionArb = fc.record({
  side: sideArb,
  auto: fc.boolean(),
  /** The entry and the mark it carries, in seconds from the start of the sequence (negative: before it). */
  entry: fc.integer({ min: -3, max: 30 }),
  marked: fc.option(fc.integer({ min: -3, max: 20 }), { nil: null }),
  lastExit: fc.option(fc.integer({ min: -3, max: 90 }), { nil: null }),
});

describe('stops that act, for any tick sequence cut into any batches with duplicates and replays', () => {
  it('breach at the tick the whole sequence gives, and exit (automatic exits) at its price and the later of its ts and the last exit', () => {
    fc.assert(
      fc.property(positionArb, sequenceArb, deliveryArb, (g, seq, delivery) => {
        let clock = 0;
        const ticks: Tick[] = seq.map((s) => {
          clock += s.step * 1000;
          // SHORT stops mirror LONG ones around 100: the same grid, the same crossings.
          return { ts: iso(clock), price: priceText(s.quarters) };
        });
        const entryDate = iso(g.entry * 1000);
        const markedAt = g.marked === null || g.marked < g.entry ? null : iso(g.marked * 1000);
        const p: Position = {
          side: g.side,
          stop: priceText(g.side === 'LONG' ? 396 : 404),
          entryDate,
          lastExitDate: g.lastExit === null ? null : iso(g.lastExit * 1000),
          auto: g.auto,
        };
        const start: Held = { markedAt, breach: null, exit: null, hi: '100.00000000', lo: '100.00000000' };
        const batches = deliver(ticks, delivery);
        const held = batches.reduce((h, b) => applyBatch(p, h, b), start);
        expect(held).toEqual(wholeSequence(p, start, ticks));
        // Delivering every batch again changes nothing.
        expect(batches.reduce((h, b) => applyBatch(p, h, b), held)).toEqual(held);
      }),
      { numRuns: 500 },
    );
  });

  it('tell from the crossings alone, whenever they can, the tick the reference finds among all', () => {
    fc.assert(
      fc.property(
        sideArb,
        fc.integer({ min: 376, max: 424 }),
        sequenceArb,
        fc.integer({ min: -3, max: 30 }),
        fc.option(fc.integer({ min: -3, max: 30 }), { nil: null }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (side, stopQuarters, seq, entry, marked, shuffle) => {
          let clock = 0;
          const ticks: Tick[] = seq.map((s) => {
            clock += s.step * 1000;
            return { ts: iso(clock), price: priceText(s.quarters) };
          });
          // Processed in any order: a batch may hold late ticks.
          for (const [i, k] of shuffle.entries()) {
            const a = i % ticks.length;
            const b = k % ticks.length;
            [ticks[a], ticks[b]] = [ticks[b] as Tick, ticks[a] as Tick];
          }
          const w: MarkWindow<string> = { entryDate: iso(entry * 1000), markedAt: marked === null ? null : iso(marked * 1000) };
          const stop = priceText(stopQuarters);
          const told = breachFromCrossings(
            side,
            stop,
            w,
            stopCrossings(ticks, comparePriceText, compareText),
            comparePriceText,
            compareText,
          );
          const reference = firstBreach(side, stop, w, ticks, comparePriceText, compareText) ?? null;
          if (told !== 'ticks') expect(told).toEqual(reference);
          // When the batch starts inside the window, the crossings always tell.
          const first = firstAtEachInstant(ticks, compareText)[0] as Tick;
          if (first.ts >= w.entryDate && (w.markedAt === null || first.ts > w.markedAt)) expect(told).not.toBe('ticks');
        },
      ),
      { numRuns: 500 },
    );
  });
});
