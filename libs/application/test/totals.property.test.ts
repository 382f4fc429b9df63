import { type PositionJson, totalsSchema } from '@cpt/contracts';
import type { Caller, ExitRequest } from '@cpt/domain';
import {
  campaignTotals,
  dec,
  divRound8,
  fmt8,
  netPnl,
  type PositionFigures,
  positionPnl,
  positionRisk,
  rMultiple,
  type Side,
  totalsToJson,
  ZERO,
} from '@cpt/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, CampaignReads, markPositions } from '../src/index.js';
import { at, newCaller, newCampaign, openTestOrm, positionInput, sideArb, UNIT, units, unitsToText } from './support.js';

/**
 * A partial exit (section 8): `quarters` of the shares still open (at least one unit); four
 * quarters leave `shares` out, which exits every open share and so closes the position.
 */
interface PlannedExit {
  quarters: number;
  price: bigint;
  /** Seconds after the entry or the previous exit. */
  after: number;
  fee: bigint | null;
}

interface PlannedPosition {
  entry: bigint;
  shares: bigint;
  stopGap: bigint;
  entrySecond: number;
  entryFee: bigint | null;
  /** A trailing stop to move to, anywhere above zero. */
  movedStop: bigint | null;
  /** Whether the stop moves before the partial exits (else after them, while the position is still OPEN). */
  stopFirst: boolean;
  exits: PlannedExit[];
  /** The exit price, how long after the last exit (or the entry) the position closes, and the fee, if it does. */
  close: { exit: bigint; after: number; fee: bigint | null } | null;
}

interface PlannedMark {
  price: bigint;
  second: number;
}

const price = units(2n, 100_000n * UNIT);
const fee = fc.option(units(0n, 100n * UNIT), { nil: null });
const plannedExit: fc.Arbitrary<PlannedExit> = fc.record({
  quarters: fc.integer({ min: 1, max: 4 }),
  price,
  after: fc.integer({ min: 0, max: 50 }),
  fee,
});
const plannedPosition: fc.Arbitrary<PlannedPosition> = fc.record({
  entry: price,
  shares: units(1n, 10_000n * UNIT),
  stopGap: units(1n, 1_000n * UNIT),
  entrySecond: fc.integer({ min: 0, max: 100 }),
  entryFee: fee,
  movedStop: fc.option(price, { nil: null }),
  stopFirst: fc.boolean(),
  exits: fc.array(plannedExit, { maxLength: 3 }),
  close: fc.option(fc.record({ exit: price, after: fc.integer({ min: 0, max: 100 }), fee }), { nil: null }),
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
  openShares: dec(p.open_shares),
  entryPrice: dec(p.entry_price),
  stopLoss: dec(p.stop_loss),
  currentPnl: dec(p.current_pnl),
  realizedPnl: p.realized_pnl === null ? null : dec(p.realized_pnl),
  fees: dec(p.fees),
  initialRisk: dec(p.initial_risk),
  markedAt: p.marked_at === null ? null : new Date(p.marked_at),
  stopBreachedAt: p.stop_breached_at === null ? null : new Date(p.stop_breached_at),
});

const sum = (xs: readonly string[]) => xs.reduce((a, x) => a.plus(dec(x)), ZERO);

/** A position's section 8 figures, as its own fields and exits define them. */
function expectPositionFigures(side: Side, p: PositionJson, initialStop: string): void {
  expect(p.initial_stop).toBe(initialStop);
  expect(p.initial_risk).toBe(fmt8(positionRisk(side, dec(p.entry_price), dec(p.initial_stop), dec(p.shares))));
  expect(p.open_shares).toBe(fmt8(dec(p.shares).minus(sum(p.exits.map((e) => e.shares)))));
  expect(p.realized_pnl).toBe(p.exits.length === 0 ? null : fmt8(sum(p.exits.map((e) => e.realized_pnl))));
  expect(p.fees).toBe(fmt8(dec(p.entry_fee).plus(sum(p.exits.map((e) => e.fee)))));
  const net = netPnl({
    status: p.status,
    realizedPnl: p.realized_pnl === null ? null : dec(p.realized_pnl),
    currentPnl: dec(p.current_pnl),
    fees: dec(p.fees),
  });
  expect(p.net_pnl).toBe(fmt8(net));
  const r = rMultiple(net, dec(p.initial_risk));
  expect(p.r_multiple).toBe(r === null ? null : fmt8(r));
  const order = p.exits.map((e) => [e.date, e.id].join(' '));
  expect(order).toEqual([...order].sort());
  if (p.status === 'CLOSED') {
    expect(p.open_shares).toBe('0.00000000');
    const notional = p.exits.reduce((a, e) => a.plus(dec(e.price).mul(dec(e.shares))), ZERO);
    expect(p.exit_price).toBe(fmt8(divRound8(notional, dec(p.shares))));
    expect(p.closed_date).toBe(p.exits.at(-1)?.date);
    expect(p.current_pnl).toBe(p.realized_pnl);
  } else {
    expect(p.exit_price).toBeNull();
    expect(p.closed_date).toBeNull();
    // The P&L of the shares still open, at the current price.
    expect(p.current_pnl).toBe(fmt8(positionPnl(side, dec(p.entry_price), dec(p.open_shares), dec(p.current_price))));
  }
}

// Every totals field the contract's schema names (sections 2 and 8).
const TOTAL_FIELDS = Object.keys(totalsSchema.shape) as (keyof typeof totalsSchema.shape)[];

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
          const input = positionInput(side, p.entry, p.shares, at(p.entrySecond), stopOf(side, p));
          if (p.entryFee !== null) input.entryFee = dec(unitsToText(p.entryFee));
          const r = await commands.addPosition(caller, c.id, input);
          ids.push(r.position.id);
        }
        for (const m of marksBefore) await mark(m);
        for (const [i, p] of positions.entries()) {
          const id = ids[i] as string;
          const moveStop = async () => {
            if (p.movedStop !== null) await commands.moveStop(caller, id, dec(unitsToText(p.movedStop)));
          };
          if (p.stopFirst) await moveStop();
          let open = p.shares;
          let second = p.entrySecond;
          for (const e of p.exits) {
            if (open === 0n) break;
            second += e.after;
            const req: ExitRequest = { price: dec(unitsToText(e.price)), date: at(second) };
            const shares = e.quarters === 4 ? open : (open * BigInt(e.quarters)) / 4n || 1n;
            if (e.quarters !== 4) req.shares = dec(unitsToText(shares));
            if (e.fee !== null) req.fee = dec(unitsToText(e.fee));
            const r = await commands.exitPosition(caller, id, req);
            open -= shares;
            expect(r.event.reason).toBe(open === 0n ? 'position_closed' : 'position_reduced');
            expect(r.position.open_shares).toBe(unitsToText(open));
          }
          if (open === 0n) continue;
          if (!p.stopFirst) await moveStop();
          if (p.close !== null) {
            const close = { exitPrice: dec(unitsToText(p.close.exit)), closedDate: at(second + p.close.after) };
            await commands.closePosition(caller, id, p.close.fee === null ? close : { ...close, fee: dec(unitsToText(p.close.fee)) });
          }
        }
        for (const m of marksAfter) await mark(m);

        const all = (await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: true })).data;
        const openOnly = (await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: false })).data;
        const expected = totalsToJson(campaignTotals(side, all.positions.map(figuresOf)));
        expect(Object.keys(expected).sort()).toEqual([...TOTAL_FIELDS].sort());
        const pick = (d: typeof all) => Object.fromEntries(TOTAL_FIELDS.map((k) => [k, d[k]]));
        expect(pick(all)).toEqual(expected);
        expect(pick(openOnly)).toEqual(expected);
        expect(all.positions).toHaveLength(positions.length);
        for (const [i, p] of positions.entries()) {
          const json = all.positions.find((q) => q.id === ids[i]);
          if (!json) throw new Error(`position ${ids[i]} is missing`);
          expectPositionFigures(side, json, unitsToText(stopOf(side, p)));
        }
        expect(openOnly.positions.map((p) => p.id)).toEqual(all.positions.filter((p) => p.status === 'OPEN').map((p) => p.id));
        const order = all.positions.map((p) => [p.entry_date, p.id].join(' '));
        expect(order).toEqual([...order].sort());
      }),
      { numRuns: 100 },
    );
    // A hundred campaigns built through the commands, each marked, moved, exited and read: 60 s once
    // on testcontainers beside the rest of that suite.
  }, 180_000);
});
