import { dec, type Side } from '@cpt/domain';
import { applyUpdate, type CampaignState } from '@cpt/realtime-client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import { type Mark, markPositions, OpenBook } from '../src/index.js';
import { at, newCampaign, uniqueSymbol, unitsToText, useTestApp } from './support.js';

/**
 * Sections 3 and 6 as one property: a batch of marks derives every position's mark from its
 * symbol's, and its `marked` updates carry of each position only its id and the fields a mark
 * changes, with totals the service computes from the rows it read. Merged by id into a snapshot as
 * clients merge them (`applyUpdate`), together with the `position_opened` updates of positions
 * recorded between the batches (some after the fact, entered before ticks already seen), the
 * updates of any batches of ticks in any order give exactly the positions and totals that a read
 * of the campaign shows afterwards, at the same seq. So do batches that keep the campaigns they
 * read in a book, which the commands between batches make stale, and campaigns that exit at stops
 * (each stop lies a cent from its entry).
 */

const BATCHES = 4;
const cents = (n: number): string => unitsToText(BigInt(n) * 1_000_000n);

interface PositionSpec {
  /** Seconds of the test clock: before the ticks, among them, after them. */
  second: number;
  entryCents: number;
  /** Hundredths of a share. */
  shares: number;
  /** Recorded before the first batch (-1) or after batch `recordedAfter` of the order. */
  recordedAfter: number;
}

const tickArb = fc.record({
  second: fc.integer({ min: 0, max: 20 }),
  cents: fc.integer({ min: 1, max: 200_000 }),
  batch: fc.integer({ min: 0, max: BATCHES - 1 }),
});
const positionArb = fc.record({
  second: fc.integer({ min: -3, max: 23 }),
  entryCents: fc.integer({ min: 100, max: 200_000 }),
  shares: fc.integer({ min: 1, max: 100_000 }),
  recordedAfter: fc.integer({ min: -1, max: BATCHES - 1 }),
});
const orderArb = fc.shuffledSubarray(
  Array.from({ length: BATCHES }, (_, i) => i),
  { minLength: BATCHES, maxLength: BATCHES },
);

describe('marked updates merged into a snapshot (sections 3 and 6)', () => {
  const app = useTestApp();

  it.each([
    ['each batch reading its campaigns', false],
    ['batches keeping the campaigns they read', true],
  ])('equal the positions and totals a read shows afterwards, for any ticks, batches, order and recording times: %s', async (_, keep) => {
    const book = keep ? new OpenBook(1_000) : undefined;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Side>('LONG', 'SHORT'),
        fc.boolean(),
        fc.array(tickArb, { minLength: 1, maxLength: 20 }),
        fc.array(positionArb, { minLength: 1, maxLength: 5 }),
        orderArb,
        async (side, exitAtStops, ticks, positions, order) => {
          const { orm, caller, commands, reads } = app;
          const symbol = uniqueSymbol('MU');
          const campaign = (await newCampaign(commands, caller, side, symbol)).id;
          if (exitAtStops) await query(orm.em.fork(), 'update campaigns set auto_exit_on_stop = true where id = ?', [campaign]);
          let state: CampaignState | undefined;
          const record = async (p: PositionSpec) => {
            const r = await commands.addPosition(caller, campaign, {
              patternType: side === 'LONG' ? 'SPRING' : 'UTAD',
              entryPrice: dec(cents(p.entryCents)),
              shares: dec(unitsToText(BigInt(p.shares) * 1_000_000n)),
              stopLoss: dec(cents(side === 'LONG' ? p.entryCents - 1 : p.entryCents + 1)),
              entryDate: at(p.second),
            });
            if (state) state = applyUpdate(state, r.event) ?? state;
          };
          for (const p of positions.filter((q) => q.recordedAfter < 0)) await record(p);
          const start = await reads.getCampaignPositions(caller.accountId, campaign, { includeClosed: true });
          state = { campaignId: campaign, seq: start.seq, data: start.data };

          const marks: Mark[] = ticks.map((t) => ({ symbol, price: dec(cents(t.cents)), ts: at(t.second) }));
          for (const [k, b] of order.entries()) {
            const result = await markPositions(
              orm.em,
              marks.filter((_, i) => ticks[i]?.batch === b),
              book ? { book } : {},
            );
            for (const e of result.events) if (e.campaign_id === campaign) state = applyUpdate(state, e) ?? state;
            for (const p of positions.filter((q) => q.recordedAfter === k)) await record(p);
          }

          const end = await reads.getCampaignPositions(caller.accountId, campaign, { includeClosed: true });
          expect(state.seq).toBe(end.seq);
          expect(state.data).toEqual(end.data);
        },
      ),
      { numRuns: 25, interruptAfterTimeLimit: 45_000 },
    );
  });
});
