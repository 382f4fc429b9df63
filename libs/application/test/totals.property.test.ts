import type { PositionJson } from '@cpt/contracts';
import type { Caller } from '@cpt/domain';
import { campaignTotals, dec, type PositionFigures, type Side, totalsToJson } from '@cpt/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, CampaignReads, markPositions } from '../src/index.js';
import { at, newCaller, newCampaign, openTestOrm, positionInput, sideArb, UNIT, units, unitsToText } from './support.js';

interface PlannedPosition {
  entry: bigint;
  shares: bigint;
  stopGap: bigint;
  entrySecond: number;
  /** A trailing stop to move to, anywhere above zero. */
  movedStop: bigint | null;
  /** The exit price and how long after the entry the position closes, if it does. */
  close: { exit: bigint; after: number } | null;
}

interface PlannedMark {
  price: bigint;
  second: number;
}

const price = units(2n, 100_000n * UNIT);
const plannedPosition: fc.Arbitrary<PlannedPosition> = fc.record({
  entry: price,
  shares: units(1n, 10_000n * UNIT),
  stopGap: units(1n, 1_000n * UNIT),
  entrySecond: fc.integer({ min: 0, max: 100 }),
  movedStop: fc.option(price, { nil: null }),
  close: fc.option(fc.record({ exit: price, after: fc.integer({ min: 0, max: 100 }) }), { nil: null }),
});
const plannedMark: fc.Arbitrary<PlannedMark> = fc.record({ price, second: fc.integer({ min: 0, max: 250 }) });

const campaignPlan = fc.record({
  side: sideArb,
  positions: fc.array(plannedPosition, { minLength: 0, maxLength: 6 }),
  marksBefore: fc.array(plannedMark, { maxLength: 4 }),
  marksAfter: fc.array(plannedMark, { maxLength: 3 }),
});

const stopOf = (side: Side, p: PlannedPosition): bigint => {
  if (side === 'SHORT') return p.entry + p.stopGap;
  return p.entry - p.stopGap >= 1n ? p.entry - p.stopGap : 1n;
};

const figuresOf = (p: PositionJson): PositionFigures => ({
  status: p.status,
  shares: dec(p.shares),
  entryPrice: dec(p.entry_price),
  stopLoss: dec(p.stop_loss),
  currentPnl: dec(p.current_pnl),
  realizedPnl: p.realized_pnl === null ? null : dec(p.realized_pnl),
  markedAt: p.marked_at === null ? null : new Date(p.marked_at),
});

const TOTAL_FIELDS = [
  'total_shares',
  'weighted_avg_entry',
  'total_risk',
  'unrealized_pnl',
  'realized_pnl',
  'total_pnl',
  'open_positions_count',
  'closed_positions_count',
  'as_of',
] as const;

describe('campaign totals read from PostgreSQL', () => {
  let orm: MikroORM;
  let caller: Caller;
  let commands: CampaignCommands;
  let reads: CampaignReads;
  beforeAll(async () => {
    orm = await openTestOrm();
    caller = await newCaller(orm);
    commands = new CampaignCommands(orm.em);
    reads = new CampaignReads(orm.em);
  });
  afterAll(async () => orm.close());

  it('equal the domain campaignTotals over the returned positions, string for string', async () => {
    await fc.assert(
      fc.asyncProperty(campaignPlan, async ({ side, positions, marksBefore, marksAfter }) => {
        const c = await newCampaign(commands, caller, side);
        const mark = (m: PlannedMark) => markPositions(orm.em, [{ symbol: c.symbol, price: dec(unitsToText(m.price)), ts: at(m.second) }]);
        const ids: string[] = [];
        for (const p of positions) {
          const r = await commands.addPosition(caller, c.id, positionInput(side, p.entry, p.shares, at(p.entrySecond), stopOf(side, p)));
          ids.push(r.position.id);
        }
        for (const m of marksBefore) await mark(m);
        for (const [i, p] of positions.entries()) {
          const id = ids[i] as string;
          if (p.movedStop !== null) await commands.moveStop(caller, id, dec(unitsToText(p.movedStop)));
          if (p.close !== null) await commands.closePosition(caller, id, dec(unitsToText(p.close.exit)), at(p.entrySecond + p.close.after));
        }
        for (const m of marksAfter) await mark(m);

        const all = (await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: true })).data;
        const openOnly = (await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: false })).data;
        const expected = totalsToJson(campaignTotals(side, all.positions.map(figuresOf)));
        const pick = (d: typeof all) => Object.fromEntries(TOTAL_FIELDS.map((k) => [k, d[k]]));
        expect(pick(all)).toEqual(expected);
        expect(pick(openOnly)).toEqual(expected);
        expect(all.positions).toHaveLength(positions.length);
        expect(openOnly.positions.map((p) => p.id)).toEqual(all.positions.filter((p) => p.status === 'OPEN').map((p) => p.id));
        const order = all.positions.map((p) => [p.entry_date, p.id].join(' '));
        expect(order).toEqual([...order].sort());
      }),
      { numRuns: 100 },
    );
  });
});
