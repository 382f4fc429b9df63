import { type Caller, dec, fmt8, positionPnl, type Side } from '@cpt/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asDateOrNull, pgArray, query } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, type Mark, markPositions } from '../src/index.js';
import { MARKED, positionsFrom } from '../src/modules/positions/position.mapper.js';
import { at, campaignRow, newCaller, newCampaign, openTestOrm, positionRows, uniqueSymbol, unitsToText } from './support.js';

/**
 * Sections 6 and 9 as one property: for any ticks of one symbol, cut into any batches that arrive
 * in any order (each batch one `markPositions` call, as the position service applies a batch), the
 * stored excursions of every position equal those of the whole sequence at once (the ticks with
 * `ts ≥ entry_date`, starting from the entry price), and its mark is the newest tick (of equal
 * `ts`, the first processed) not before its entry. Replaying every batch, in any order, changes
 * nothing.
 */

interface TickSpec {
  /** Seconds of the test clock (few values: ties are common). */
  second: number;
  /** The price in cents. */
  cents: number;
  /** The batch it is cut into. */
  batch: number;
}

interface PositionSpec {
  side: Side;
  /** Seconds of the test clock: some before the ticks, some among them, some after. */
  second: number;
  entryCents: number;
}

const BATCHES = 5;
const cents = (n: number): string => unitsToText(BigInt(n) * 1_000_000n);

const tickArb = fc.record({
  second: fc.integer({ min: 0, max: 20 }),
  cents: fc.integer({ min: 1, max: 200_000 }),
  batch: fc.integer({ min: 0, max: BATCHES - 1 }),
});
const positionArb = fc.record({
  side: fc.constantFrom<Side>('LONG', 'SHORT'),
  second: fc.integer({ min: -3, max: 23 }),
  entryCents: fc.integer({ min: 100, max: 200_000 }),
});
const orderArb = fc.shuffledSubarray(
  Array.from({ length: BATCHES }, (_, i) => i),
  { minLength: BATCHES, maxLength: BATCHES },
);

interface Stored {
  id: string;
  entry_date: Date | string;
  current_price: string;
  current_pnl: string;
  marked_at: Date | string | null;
  max_favorable_price: string;
  max_adverse_price: string;
}

describe('excursions and marks of any batches in any order (sections 6 and 9)', () => {
  let orm: MikroORM;
  let caller: Caller;
  let commands: CampaignCommands;
  beforeAll(async () => {
    orm = await openTestOrm();
    caller = await newCaller(orm);
    commands = new CampaignCommands(orm.em);
  });
  afterAll(async () => orm.close());

  it('equal those of the whole sequence at once, and a replay changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tickArb, { minLength: 1, maxLength: 25 }),
        fc.array(positionArb, { minLength: 1, maxLength: 4 }),
        orderArb,
        orderArb,
        async (ticks: TickSpec[], positions: PositionSpec[], order: number[], replayOrder: number[]) => {
          const symbol = uniqueSymbol('XP');
          const campaigns = {
            LONG: (await newCampaign(commands, caller, 'LONG', symbol)).id,
            SHORT: (await newCampaign(commands, caller, 'SHORT', symbol)).id,
          };
          const ids: string[] = [];
          for (const p of positions) {
            const r = await commands.addPosition(caller, campaigns[p.side], {
              patternType: p.side === 'LONG' ? 'SPRING' : 'UTAD',
              entryPrice: dec(cents(p.entryCents)),
              shares: dec('1.5'),
              stopLoss: dec(cents(p.side === 'LONG' ? p.entryCents - 1 : p.entryCents + 1)),
              entryDate: at(p.second),
            });
            ids.push(r.position.id);
          }

          // The batches, each keeping the sequence's order, applied in the drawn order.
          const marks: Mark[] = ticks.map((t) => ({ symbol, price: dec(cents(t.cents)), ts: at(t.second) }));
          const batchOf = (b: number) => marks.filter((_, i) => ticks[i]?.batch === b);
          for (const b of order) await markPositions(orm.em, batchOf(b));

          const stored = await storedPositions(ids);
          const once = await campaignsNow(Object.values(campaigns));

          // The processing order: the batches in the order applied, each in its own order. The
          // newest tick is the mark, of equal ts the first processed.
          const processed = order.flatMap(batchOf);
          const newest = processed.reduce((n, m) => (m.ts.getTime() > n.ts.getTime() ? m : n));
          positions.forEach((p, i) => {
            const row = stored.get(ids[i] as string);
            if (!row) throw new Error('position missing');
            const entry = dec(cents(p.entryCents));
            const seen = marks.filter((m) => m.ts.getTime() >= at(p.second).getTime()).map((m) => m.price);
            const hi = seen.reduce((a, b) => (b.gt(a) ? b : a), entry);
            const lo = seen.reduce((a, b) => (b.lt(a) ? b : a), entry);
            const [favorable, adverse] = p.side === 'LONG' ? [hi, lo] : [lo, hi];
            const marked = newest.ts.getTime() >= at(p.second).getTime();
            expect({
              max_favorable_price: row.max_favorable_price,
              max_adverse_price: row.max_adverse_price,
              current_price: row.current_price,
              current_pnl: row.current_pnl,
              marked_at: asDateOrNull(row.marked_at)?.toISOString() ?? null,
            }).toEqual({
              max_favorable_price: fmt8(favorable),
              max_adverse_price: fmt8(adverse),
              current_price: fmt8(marked ? newest.price : entry),
              current_pnl: marked ? fmt8(positionPnl(p.side, entry, dec('1.5'), newest.price)) : '0.00000000',
              marked_at: marked ? newest.ts.toISOString() : null,
            });
          });

          // Every batch again, in another order: nothing moves, no event.
          for (const b of replayOrder) expect(await markPositions(orm.em, batchOf(b))).toMatchObject({ marked: 0, events: [] });
          expect(await storedPositions(ids)).toEqual(stored);
          expect(await campaignsNow(Object.values(campaigns))).toEqual(once);
        },
      ),
      { numRuns: 15, interruptAfterTimeLimit: 45_000 },
    );
  });

  // Section 6: a position recorded after the fact shows the newest price at once; section 9: its
  // excursions start from its entry and that mark, then move with the ticks processed after it.
  it('of positions recorded between the batches: from the entry and the mark at recording, then every later tick', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tickArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.record({ position: positionArb, after: fc.integer({ min: 0, max: BATCHES }) }), { minLength: 1, maxLength: 4 }),
        orderArb,
        async (ticks: TickSpec[], recorded: { position: PositionSpec; after: number }[], order: number[]) => {
          const symbol = uniqueSymbol('XR');
          const campaigns = {
            LONG: (await newCampaign(commands, caller, 'LONG', symbol)).id,
            SHORT: (await newCampaign(commands, caller, 'SHORT', symbol)).id,
          };
          const marks: Mark[] = ticks.map((t) => ({ symbol, price: dec(cents(t.cents)), ts: at(t.second) }));
          const batchOf = (b: number) => marks.filter((_, i) => ticks[i]?.batch === b);
          // The newest of the ticks processed, of equal ts the first processed.
          const newestOf = (ms: Mark[]) =>
            ms.reduce<Mark | undefined>((n, m) => (!n || m.ts.getTime() > n.ts.getTime() ? m : n), undefined);

          const ids: string[] = [];
          for (let k = 0; k <= BATCHES; k++) {
            for (const [i, r] of recorded.entries()) {
              if (r.after !== k) continue;
              const p = r.position;
              const opened = await commands.addPosition(caller, campaigns[p.side], {
                patternType: p.side === 'LONG' ? 'SPRING' : 'UTAD',
                entryPrice: dec(cents(p.entryCents)),
                shares: dec('1.5'),
                stopLoss: dec(cents(p.side === 'LONG' ? p.entryCents - 1 : p.entryCents + 1)),
                entryDate: at(p.second),
              });
              ids[i] = opened.position.id;
            }
            const b = order[k];
            if (b !== undefined) await markPositions(orm.em, batchOf(b));
          }

          const stored = await storedPositions(ids);
          const newest = newestOf(order.flatMap(batchOf)) as Mark;
          for (const [i, { position: p, after }] of recorded.entries()) {
            const row = stored.get(ids[i] as string);
            if (!row) throw new Error('position missing');
            const entryDate = at(p.second).getTime();
            const entry = dec(cents(p.entryCents));
            // The symbol's mark when it was recorded, if not before its entry; then every later tick since its entry.
            const atRecording = newestOf(order.slice(0, after).flatMap(batchOf));
            const seen = [
              ...(atRecording && atRecording.ts.getTime() >= entryDate ? [atRecording.price] : []),
              ...order
                .slice(after)
                .flatMap(batchOf)
                .filter((m) => m.ts.getTime() >= entryDate)
                .map((m) => m.price),
            ];
            const hi = seen.reduce((a, b) => (b.gt(a) ? b : a), entry);
            const lo = seen.reduce((a, b) => (b.lt(a) ? b : a), entry);
            const [favorable, adverse] = p.side === 'LONG' ? [hi, lo] : [lo, hi];
            const marked = newest.ts.getTime() >= entryDate;
            expect({
              max_favorable_price: row.max_favorable_price,
              max_adverse_price: row.max_adverse_price,
              current_price: row.current_price,
              marked_at: asDateOrNull(row.marked_at)?.toISOString() ?? null,
            }).toEqual({
              max_favorable_price: fmt8(favorable),
              max_adverse_price: fmt8(adverse),
              current_price: fmt8(marked ? newest.price : entry),
              marked_at: marked ? newest.ts.toISOString() : null,
            });
          }
        },
      ),
      { numRuns: 15, interruptAfterTimeLimit: 45_000 },
    );
  });

  /**
   * The campaigns' rows (`last_seq` counts their events) and every column of their positions. Not
   * the outbox: a relay of another test may publish and delete its rows at any time.
   */
  const campaignsNow = (ids: string[]) =>
    Promise.all(ids.map(async (id) => [await campaignRow(orm.em, id), await positionRows(orm.em, id)]));

  async function storedPositions(ids: string[]): Promise<Map<string, Stored>> {
    const rows = await query<Stored>(
      orm.em.fork(),
      // As reads show them: the mark's columns derived from the symbol's mark (section 6).
      `select p.id::text, p.entry_date, ${MARKED.currentPrice('p')}::text as current_price, ${MARKED.currentPnl('p')}::text as current_pnl,
         ${MARKED.markedAt('p')} as marked_at, p.max_favorable_price::text, p.max_adverse_price::text, ${MARKED.updatedAt('p')} as updated_at
       from ${positionsFrom('p')} where p.id = any(?::uuid[])`,
      [pgArray(ids)],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }
});
