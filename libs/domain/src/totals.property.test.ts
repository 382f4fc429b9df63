import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  divHalfEven,
  figures,
  fromUnits,
  type GeneratedPosition,
  positionArb,
  sideArb,
  UNIT,
  units,
  unitsToText,
} from '../test/arbitraries.js';
import { D, fmt8, ZERO } from './decimal.js';
import { positionPnl, positionRisk } from './pnl.js';
import { closePositionRule, type PositionState } from './rules.js';
import { campaignTotals, EMPTY_SUMS, mergeSums, type PositionFigures, sumPositions, totalsFromSums, totalsToJson } from './totals.js';

const positionsArb = fc.array(positionArb, { maxLength: 25 });
const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n);

describe('campaign totals, for any positions', () => {
  it('equal the merged sums of any split of the positions', () => {
    fc.assert(
      fc.property(sideArb, fc.array(fc.tuple(positionArb, fc.nat({ max: 3 })), { maxLength: 25 }), (side, tagged) => {
        const all = tagged.map(([g]) => figures(g));
        const parts = [0, 1, 2, 3].map((k) => tagged.filter(([, part]) => part === k).map(([g]) => figures(g)));
        const merged = parts.map((p) => sumPositions(side, p)).reduce(mergeSums, EMPTY_SUMS);
        expect(totalsToJson(totalsFromSums(merged))).toEqual(totalsToJson(campaignTotals(side, all)));
      }),
    );
  });

  it('do not depend on the order of the positions', () => {
    const shuffled = positionsArb.chain((gs) => fc.tuple(fc.constant(gs), fc.shuffledSubarray(gs, { minLength: gs.length })));
    fc.assert(
      fc.property(sideArb, shuffled, (side, [gs, reordered]) => {
        expect(totalsToJson(campaignTotals(side, reordered.map(figures)))).toEqual(totalsToJson(campaignTotals(side, gs.map(figures))));
      }),
    );
  });

  it('match an integer oracle field by field', () => {
    fc.assert(
      fc.property(sideArb, positionsArb, (side, gs) => {
        const open = gs.filter((g) => g.status === 'OPEN');
        const closed = gs.filter((g) => g.status === 'CLOSED');
        const shares = sum(open.map((g) => g.sharesUnits));
        const notional = sum(open.map((g) => g.entryUnits * g.sharesUnits));
        const risk = sum(
          open.map((g) =>
            divHalfEven((side === 'LONG' ? g.entryUnits - g.stopUnits : g.stopUnits - g.entryUnits) * g.sharesUnits, 10n ** 8n),
          ),
        );
        const unrealized = sum(open.map((g) => g.currentPnlUnits));
        // Every position's realized P&L counts, the partial exits of OPEN positions too.
        const realized = sum(gs.map((g) => g.realizedPnlUnits ?? 0n));
        const fees = sum(gs.map((g) => g.feesUnits));
        const initialRisk = sum(gs.map((g) => g.initialRiskUnits));
        const net = unrealized + realized - fees;
        const marks = gs.flatMap((g) => (g.markedAt === null ? [] : [g.markedAt.getTime()]));
        expect(totalsToJson(campaignTotals(side, gs.map(figures)))).toEqual({
          total_shares: unitsToText(shares),
          weighted_avg_entry: unitsToText(shares === 0n ? 0n : divHalfEven(notional, shares)),
          total_risk: unitsToText(risk),
          unrealized_pnl: unitsToText(unrealized),
          realized_pnl: unitsToText(realized),
          total_pnl: unitsToText(unrealized + realized),
          total_fees: unitsToText(fees),
          net_pnl: unitsToText(net),
          initial_risk: unitsToText(initialRisk),
          // Both are counts of 1e-8 units, so their ratio in units is net * 10^8 / risk.
          r_multiple: initialRisk === 0n ? null : unitsToText(divHalfEven(net * UNIT, initialRisk)),
          open_positions_count: open.length,
          closed_positions_count: closed.length,
          // Section 8: OPEN positions whose stop was breached; a CLOSED one no longer counts.
          breached_positions_count: open.filter((g) => g.stopBreachedAt !== null).length,
          as_of: marks.length === 0 ? null : new Date(Math.max(...marks)).toISOString(),
        });
      }),
    );
  });

  it('have total_shares equal to the sum of open shares', () => {
    fc.assert(
      fc.property(sideArb, positionsArb, (side, gs) => {
        const t = campaignTotals(side, gs.map(figures));
        const open = gs.filter((g) => g.status === 'OPEN').map((g) => fromUnits(g.sharesUnits));
        expect(fmt8(t.totalShares)).toBe(fmt8(open.reduce((a, b) => a.plus(b), fromUnits(0n))));
      }),
    );
  });

  it('have a weighted average entry between the lowest and highest open entry', () => {
    fc.assert(
      fc.property(sideArb, positionsArb, (side, gs) => {
        const entries = gs.filter((g) => g.status === 'OPEN').map((g) => g.entryUnits);
        const avg = campaignTotals(side, gs.map(figures)).weightedAvgEntry;
        if (entries.length === 0) {
          expect(fmt8(avg)).toBe('0.00000000');
          return;
        }
        const open = entries.map(fromUnits);
        expect(avg.gte(D.min(...open)) && avg.lte(D.max(...open))).toBe(true);
      }),
    );
  });
});

describe('closing a position at its current mark', () => {
  // Small enough that every P&L fits NUMERIC(18,8), as the rules require for a close.
  const price = units(1n, 10_000n * UNIT);
  const openAtMark = fc.record({
    entry: price,
    shares: units(1n, 100_000n * UNIT),
    mark: price,
    stop: price,
    breached: fc.boolean(),
  });

  it('leaves total_pnl unchanged, moves its P&L from unrealized to realized and its fee into total_fees, and drops it from the breached count', () => {
    fc.assert(
      fc.property(
        sideArb,
        fc.array(openAtMark, { minLength: 1, maxLength: 10 }),
        positionsArb,
        fc.nat(),
        units(0n, 1_000n * UNIT),
        (side, opens, others, pick, feeUnits) => {
          const marked: PositionFigures[] = opens.map((o) => ({
            status: 'OPEN',
            openShares: fromUnits(o.shares),
            entryPrice: fromUnits(o.entry),
            stopLoss: fromUnits(o.stop),
            currentPnl: positionPnl(side, fromUnits(o.entry), fromUnits(o.shares), fromUnits(o.mark)),
            realizedPnl: null,
            fees: ZERO,
            initialRisk: positionRisk(side, fromUnits(o.entry), fromUnits(o.stop), fromUnits(o.shares)),
            markedAt: new Date('2026-11-25T14:00:00Z'),
            stopBreachedAt: o.breached ? new Date('2026-11-25T14:00:00Z') : null,
          }));
          const rest = others.map((g: GeneratedPosition) => figures(g));
          const i = pick % opens.length;
          const chosen = opens[i];
          const target = marked[i];
          if (chosen === undefined || target === undefined) throw new Error('index out of range');
          const state: PositionState = {
            id: 'p',
            status: 'OPEN',
            side,
            entryPrice: target.entryPrice,
            shares: target.openShares,
            stopLoss: target.stopLoss,
            entryDate: new Date('2026-11-25T13:00:00Z'),
            openShares: target.openShares,
            currentPrice: fromUnits(chosen.mark),
            realizedPnl: null,
            fees: ZERO,
            exitedNotional: ZERO,
            lastExitDate: null,
          };
          const now = new Date('2026-11-25T15:00:00Z');
          const fee = fromUnits(feeUnits);
          const closed = closePositionRule(state, fromUnits(chosen.mark), undefined, now, fee);
          const after = marked.map((p, j) =>
            j === i
              ? {
                  ...p,
                  status: 'CLOSED' as const,
                  openShares: closed.openShares,
                  realizedPnl: closed.realizedPnl,
                  currentPnl: closed.currentPnl,
                  fees: closed.fees,
                }
              : p,
          );
          const before = campaignTotals(side, [...marked, ...rest]);
          const then = campaignTotals(side, [...after, ...rest]);
          expect(fmt8(then.totalPnl)).toBe(fmt8(before.totalPnl));
          expect(fmt8(then.realizedPnl.minus(before.realizedPnl))).toBe(fmt8(target.currentPnl));
          expect(fmt8(before.unrealizedPnl.minus(then.unrealizedPnl))).toBe(fmt8(target.currentPnl));
          expect(fmt8(before.totalShares.minus(then.totalShares))).toBe(fmt8(target.openShares));
          expect(fmt8(then.totalFees.minus(before.totalFees))).toBe(unitsToText(feeUnits));
          expect(fmt8(before.netPnl.minus(then.netPnl))).toBe(unitsToText(feeUnits));
          expect(fmt8(then.initialRisk)).toBe(fmt8(before.initialRisk));
          // A breached position no longer counts once CLOSED (section 8).
          expect(before.breachedPositionsCount - then.breachedPositionsCount).toBe(chosen.breached ? 1 : 0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
