import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divHalfEven, figures, fromUnits, positionArb, sideArb, toUnits, UNIT, units, unitsToText } from '../test/arbitraries.js';
import { afterExit, issuesOf, NOW, openState } from '../test/rules.js';
import { type Dec, fmt8, ZERO } from './decimal.js';
import { RiskLimitExceededError } from './errors.js';
import type { Side } from './model.js';
import { positionRisk } from './pnl.js';
import { closePositionRule, type ExitOutcome, exitPositionRule, type PositionState } from './position-rules.js';
import { checkRiskLimits, exposureOf, limitAmount, type RiskSettings } from './risk-limits.js';
import { type CampaignState, moveStopRule, openPosition } from './rules.js';
import { campaignTotals, type PositionFigures } from './totals.js';

// Prices and sizes small enough that every product stays inside NUMERIC(18,8).
const price = units(1n, 10_000n * UNIT);
const part = units(1n, 10_000n * UNIT);
const ENTERED = new Date(NOW.getTime() - 10 * 86_400_000);

/** LONG `price − entry`, SHORT `entry − price`, in units. */
const move = (side: Side, entry: bigint, at: bigint): bigint => (side === 'LONG' ? at - entry : entry - at);
/** A per-position figure in units: `move × shares` rounded once, half-even. */
const pnlOf = (side: Side, entry: bigint, shares: bigint, at: bigint): bigint => divHalfEven(move(side, entry, at) * shares, UNIT);
const abs = (x: bigint): bigint => (x < 0n ? -x : x);

function position(side: Side, entry: bigint, shares: bigint, stop: bigint, mark: bigint, fee = 0n): PositionState {
  return openState({
    side,
    entryPrice: fromUnits(entry),
    shares: fromUnits(shares),
    stopLoss: fromUnits(stop),
    currentPrice: fromUnits(mark),
    fees: fromUnits(fee),
    entryDate: ENTERED,
  });
}

/** Applies exits of the given sizes at one price; returns the position and the sum of the exits' realized P&L. */
function exitInParts(p: PositionState, sizes: bigint[], at: bigint): { p: PositionState; realized: Dec } {
  let s = p;
  let realized = ZERO;
  for (const size of sizes) {
    const o = exitPositionRule(s, { shares: fromUnits(size), price: fromUnits(at) }, NOW);
    realized = realized.plus(o.exit.realizedPnl);
    s = afterExit(s, o);
  }
  return { p: s, realized };
}

const exitArb = fc.record({
  shares: part,
  price,
  fee: units(0n, 100n * UNIT),
  /** Milliseconds after the previous exit; null leaves the date out. */
  after: fc.option(fc.nat({ max: 3_600_000 }), { nil: null }),
});

describe('exits, for any sequence that sells every share', () => {
  it('end CLOSED with no open shares, the realized P&L the sum of the exits and the exit price their share-weighted average', () => {
    fc.assert(
      fc.property(
        sideArb,
        price,
        price,
        price,
        units(0n, 100n * UNIT),
        fc.array(exitArb, { minLength: 1, maxLength: 6 }),
        (side, entry, stop, mark, entryFee, exits) => {
          const total = exits.reduce((a, e) => a + e.shares, 0n);
          let p = position(side, entry, total, stop, mark, entryFee);
          let open = total;
          let realized = 0n;
          let fees = entryFee;
          let notional = 0n;
          let clock = ENTERED.getTime();
          let last: ExitOutcome | undefined;
          for (const [i, e] of exits.entries()) {
            if (e.after !== null) clock = Math.max(Math.min(clock + e.after, NOW.getTime()), p.lastExitDate?.getTime() ?? 0);
            const o = exitPositionRule(
              p,
              {
                shares: fromUnits(e.shares),
                price: fromUnits(e.price),
                fee: fromUnits(e.fee),
                ...(e.after === null ? {} : { date: new Date(clock) }),
              },
              NOW,
            );
            open -= e.shares;
            realized += pnlOf(side, entry, e.shares, e.price);
            fees += e.fee;
            notional += e.price * e.shares;
            const closes = i === exits.length - 1;
            expect(o.closes).toBe(closes);
            expect(o.exit.date.getTime()).toBe(e.after === null ? Math.max(NOW.getTime(), p.lastExitDate?.getTime() ?? 0) : clock);
            expect(fmt8(o.exit.realizedPnl)).toBe(unitsToText(pnlOf(side, entry, e.shares, e.price)));
            expect([fmt8(o.openShares), fmt8(o.realizedPnl), fmt8(o.fees)]).toEqual([
              unitsToText(open),
              unitsToText(realized),
              unitsToText(fees),
            ]);
            if (!closes) {
              // OPEN: risk on, and P&L of, the open shares only; no exit price yet.
              const gap = side === 'LONG' ? entry - stop : stop - entry;
              expect(fmt8(o.risk)).toBe(unitsToText(divHalfEven(gap * open, UNIT)));
              expect(fmt8(o.currentPnl)).toBe(unitsToText(pnlOf(side, entry, open, mark)));
              expect([fmt8(o.currentPrice), o.exitPrice, o.closedDate]).toEqual([unitsToText(mark), null, null]);
            }
            p = afterExit(p, o);
            last = o;
          }
          if (last === undefined) throw new Error('no exit');
          const average = divHalfEven(notional, total);
          expect(p.status).toBe('CLOSED');
          expect([fmt8(last.openShares), fmt8(last.risk), last.exitPrice === null ? null : fmt8(last.exitPrice)]).toEqual([
            '0.00000000',
            '0.00000000',
            unitsToText(average),
          ]);
          expect([fmt8(last.currentPnl), fmt8(last.currentPrice)]).toEqual([unitsToText(realized), unitsToText(average)]);
          expect(last.closedDate).toEqual(last.exit.date);
          // The average lies between the lowest and the highest exit price.
          expect(exits.some((e) => e.price <= average) && exits.some((e) => e.price >= average)).toBe(true);
          expect(() => exitPositionRule(p, { shares: fromUnits(1n), price: fromUnits(1n) }, NOW)).toThrow('position is already closed');
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('splitting an exit into parts at the same price', () => {
  /*
   * Each exit is rounded once. One exit of s realizes x + e with |e| ≤ ½ unit (x the exact product);
   * k exits of s₁ … s_k (Σ sᵢ = s) realize Σ (xᵢ + eᵢ). The difference Σ eᵢ − e is a whole number of
   * units of at most (k + 1)/2 in size, so at most ⌊(k + 1)/2⌋ units: 1 unit (0.00000001) for two
   * parts, and never more than 1 unit per extra exit. The open shares, risk and current P&L do not
   * change, nor does the exit price of the close that follows (the exited notional is exact).
   */
  it('changes the realized P&L by at most ⌊(k + 1)/2⌋ × 0.00000001, exactly the rounding of the parts', () => {
    fc.assert(
      fc.property(
        sideArb,
        price,
        price,
        price,
        price,
        fc.array(part, { minLength: 2, maxLength: 5 }),
        part,
        price,
        (side, entry, stop, mark, at, parts, rest, closeAt) => {
          const sold = parts.reduce((a, b) => a + b, 0n);
          const p = position(side, entry, sold + rest, stop, mark);
          const whole = exitInParts(p, [sold], at);
          const split = exitInParts(p, parts, at);
          const diff = toUnits(split.realized) - toUnits(whole.realized);
          const exact = parts.reduce((a, s) => a + pnlOf(side, entry, s, at), 0n) - pnlOf(side, entry, sold, at);
          expect(diff).toBe(exact);
          expect(abs(diff) <= BigInt(Math.floor((parts.length + 1) / 2))).toBe(true);
          expect(abs(diff) <= BigInt(parts.length - 1)).toBe(true);
          expect([fmt8(split.p.openShares), fmt8(split.p.exitedNotional)]).toEqual([
            fmt8(whole.p.openShares),
            fmt8(whole.p.exitedNotional),
          ]);
          const a = closePositionRule(whole.p, fromUnits(closeAt), undefined, NOW);
          const b = closePositionRule(split.p, fromUnits(closeAt), undefined, NOW);
          expect([b.exitPrice?.toFixed(8), fmt8(b.exit.realizedPnl)]).toEqual([a.exitPrice?.toFixed(8), fmt8(a.exit.realizedPnl)]);
          expect(toUnits(b.realizedPnl) - toUnits(a.realizedPnl)).toBe(diff);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('an exit at the current mark', () => {
  /*
   * Before the exit the position counts round(a × o) as unrealized P&L (a the move to the mark, o the
   * open shares). A partial exit of s realizes round(a × s) and leaves round(a × (o − s)) unrealized:
   * three single roundings, so total_pnl moves by e₁ + e₂ − e₀, a whole number of units of size at
   * most 3/2, hence at most 1 unit (0.00000001). An exit that closes realizes round(a × o), the very
   * figure it stops counting as unrealized: total_pnl does not move at all. net_pnl moves by that
   * less the exit's fee; initial_risk does not move.
   */
  it('moves total_pnl by at most 0.00000001 (by nothing when it closes), and net_pnl by that less its fee', () => {
    fc.assert(
      fc.property(
        sideArb,
        price,
        price,
        part,
        fc.option(units(-1_000_000n * UNIT, 1_000_000n * UNIT), { nil: null }),
        price,
        fc.bigInt({ min: 1n, max: 100n }),
        units(0n, 100n * UNIT),
        fc.array(positionArb, { maxLength: 8 }),
        (side, entry, stop, open, earlier, mark, pct, fee, others) => {
          // Sell pct % of the open shares (at least one unit): 100 % closes the position.
          const sold = pct === 100n ? open : (open * pct) / 100n || 1n;
          const p: PositionState = {
            ...position(side, entry, open, stop, mark),
            realizedPnl: earlier === null ? null : fromUnits(earlier),
          };
          const unrealized = pnlOf(side, entry, open, mark);
          const stored = (s: PositionState, currentPnl: Dec): PositionFigures => ({
            status: s.status,
            openShares: s.openShares,
            entryPrice: s.entryPrice,
            stopLoss: s.stopLoss,
            currentPnl,
            realizedPnl: s.realizedPnl,
            fees: s.fees,
            initialRisk: fromUnits(divHalfEven((side === 'LONG' ? entry - stop : stop - entry) * open, UNIT)),
            markedAt: NOW,
            stopBreachedAt: null,
          });
          const rest = others.map(figures);
          const before = campaignTotals(side, [stored(p, fromUnits(unrealized)), ...rest]);
          const o = exitPositionRule(p, { shares: fromUnits(sold), price: fromUnits(mark), fee: fromUnits(fee) }, NOW);
          const after = campaignTotals(side, [stored(afterExit(p, o), o.currentPnl), ...rest]);
          const moved = toUnits(after.totalPnl) - toUnits(before.totalPnl);
          const exact = o.closes
            ? 0n
            : pnlOf(side, entry, sold, mark) + pnlOf(side, entry, open - sold, mark) - pnlOf(side, entry, open, mark);
          expect(o.closes).toBe(sold === open);
          expect(moved).toBe(exact);
          expect(abs(moved) <= 1n).toBe(true);
          expect(toUnits(before.netPnl) - toUnits(after.netPnl)).toBe(fee - moved);
          expect(fmt8(after.initialRisk)).toBe(fmt8(before.initialRisk));
          expect(fmt8(before.totalShares.minus(after.totalShares))).toBe(unitsToText(sold));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('exit checks, for any position', () => {
  it('refuse more shares than are open with a single issue on shares, and accept any size up to them', () => {
    fc.assert(
      fc.property(sideArb, price, part, part, units(1n, 1_000n * UNIT), price, (side, entry, open, done, over, at) => {
        const p = { ...position(side, entry, open + done, entry, entry), openShares: fromUnits(open) };
        const exit = (shares: bigint) => () => exitPositionRule(p, { shares: fromUnits(shares), price: fromUnits(at) }, NOW);
        expect(issuesOf(exit(open + over))).toEqual([{ path: 'shares', message: `may not exceed open_shares ${unitsToText(open)}` }]);
        expect(exit(open)().closes).toBe(true);
        if (open > 1n) expect(exit(open - 1n)().closes).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('accept a date exactly when it is not before the entry, not before the last exit and at most 60 s ahead', () => {
    const offset = fc.integer({ min: -600_000, max: 600_000 });
    fc.assert(
      fc.property(offset, fc.option(offset, { nil: null }), offset, fc.boolean(), (entryAt, lastAt, dateAt, close) => {
        const entryDate = new Date(NOW.getTime() + Math.min(entryAt, 60_000));
        const lastExitDate = lastAt === null ? null : new Date(Math.max(entryDate.getTime(), NOW.getTime() + Math.min(lastAt, 60_000)));
        const p = { ...openState({ entryDate, lastExitDate }), openShares: openState().shares.div(2) };
        const date = new Date(NOW.getTime() + dateAt);
        const run = () => (close ? closePositionRule(p, p.entryPrice, date, NOW) : exitPositionRule(p, { price: p.entryPrice, date }, NOW));
        const ok = date.getTime() >= entryDate.getTime() && date.getTime() >= (lastExitDate?.getTime() ?? 0) && dateAt <= 60_000;
        if (ok) expect(run().exit.date).toEqual(date);
        else expect(issuesOf(run).map((i) => i.path)).toEqual([close ? 'closed_date' : 'date']);
        // Left out, the date is never refused.
        const byDefault = close ? closePositionRule(p, p.entryPrice, undefined, NOW) : exitPositionRule(p, { price: p.entryPrice }, NOW);
        expect(byDefault.exit.date.getTime()).toBe(Math.max(NOW.getTime(), entryDate.getTime(), lastExitDate?.getTime() ?? 0));
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Risk limits under any interleaving of commands over several campaigns of one account.

interface ModelPosition {
  state: PositionState;
  /** The stored risk on the open shares (negative past the entry). */
  risk: Dec;
}

interface ModelCampaign {
  state: CampaignState;
  positions: ModelPosition[];
}

type Command =
  | { kind: 'add'; campaign: number; entry: bigint; gap: bigint; shares: bigint }
  | { kind: 'move'; campaign: number; pick: number; stop: bigint }
  | { kind: 'exit'; campaign: number; pick: number; pct: bigint; price: bigint };

const CAMPAIGNS = 3;
const campaignIndex = fc.nat({ max: CAMPAIGNS - 1 });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      campaign: campaignIndex,
      entry: units(100n * UNIT, 1_000n * UNIT),
      gap: units(1n, 50n * UNIT),
      shares: units(UNIT, 500n * UNIT),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('move' as const), campaign: campaignIndex, pick: fc.nat(), stop: units(1n, 1_100n * UNIT) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('exit' as const),
      campaign: campaignIndex,
      pick: fc.nat(),
      pct: fc.bigInt({ min: 1n, max: 100n }),
      price: units(1n, 1_100n * UNIT),
    }),
  },
);

const settingsArb: fc.Arbitrary<RiskSettings> = fc.record({
  equity: units(1_000n * UNIT, 1_000_000n * UNIT).map(fromUnits),
  maxCampaignRiskPct: units(UNIT / 2n, 20n * UNIT).map(fromUnits),
  maxPortfolioHeatPct: units(UNIT, 30n * UNIT).map(fromUnits),
});

const sumDec = (xs: Dec[]): Dec => xs.reduce((a, b) => a.plus(b), ZERO);
const openOf = (c: ModelCampaign): ModelPosition[] => c.positions.filter((p) => p.state.status === 'OPEN');
const exposure = (c: ModelCampaign): Dec => sumDec(openOf(c).map((p) => exposureOf(p.risk)));

/** What a command would change, or null when it does not apply (no OPEN position to act on). */
function plan(cs: ModelCampaign[], cmd: Command): { delta: Dec; apply: () => void } | null {
  const c = cs[cmd.campaign];
  if (c === undefined) throw new Error('no such campaign');
  const side = c.state.side;
  if (cmd.kind === 'add') {
    const stop = side === 'LONG' ? cmd.entry - cmd.gap : cmd.entry + cmd.gap;
    const input = {
      patternType: side === 'LONG' ? ('SPRING' as const) : ('UTAD' as const),
      entryPrice: fromUnits(cmd.entry),
      shares: fromUnits(cmd.shares),
      stopLoss: fromUnits(stop),
    };
    const opened = openPosition(c.state, input, NOW);
    expect(opened.risk.gt(ZERO)).toBe(true);
    return {
      delta: exposureOf(opened.risk),
      apply: () => {
        const state = openState({ side, entryPrice: opened.entryPrice, shares: opened.shares, stopLoss: opened.stopLoss, entryDate: NOW });
        c.positions.push({ state: { ...state, id: `p-${cmd.campaign}-${c.positions.length}` }, risk: opened.risk });
      },
    };
  }
  const open = openOf(c);
  const target = open[cmd.pick % Math.max(open.length, 1)];
  if (target === undefined) return null;
  if (cmd.kind === 'move') {
    const moved = moveStopRule(target.state, fromUnits(cmd.stop));
    return {
      delta: exposureOf(moved.risk).minus(exposureOf(target.risk)),
      apply: () => {
        target.state = { ...target.state, stopLoss: moved.stopLoss };
        target.risk = moved.risk;
      },
    };
  }
  const openUnits = toUnits(target.state.openShares);
  const shares = cmd.pct === 100n ? openUnits : (openUnits * cmd.pct) / 100n || 1n;
  const o = exitPositionRule(target.state, { shares: fromUnits(shares), price: fromUnits(cmd.price) }, NOW);
  const delta = exposureOf(o.risk).minus(exposureOf(target.risk));
  // An exit never raises exposure.
  expect(delta.lte(ZERO)).toBe(true);
  return {
    delta,
    apply: () => {
      target.state = afterExit(target.state, o);
      target.risk = o.risk;
    },
  };
}

describe('risk limits, under any interleaving of commands', () => {
  it('keep every campaign within its limit and the account within its heat after every accepted command', () => {
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(sideArb, { minLength: CAMPAIGNS, maxLength: CAMPAIGNS }),
        fc.array(commandArb, { minLength: 10, maxLength: 40, size: 'max' }),
        (settings, sides, cmds) => {
          const equity = settings.equity;
          if (equity === null) throw new Error('equity expected');
          const campaignMax = limitAmount(equity, settings.maxCampaignRiskPct);
          const heatMax = limitAmount(equity, settings.maxPortfolioHeatPct);
          const cs: ModelCampaign[] = sides.map((side, i) => ({
            state: { id: `c-${i}`, side, status: 'ACTIVE', symbol: 'AAPL', timeframe: '1d', version: 1 },
            positions: [],
          }));
          for (const cmd of cmds) {
            const step = plan(cs, cmd);
            if (step === null) continue;
            const c = cs[cmd.campaign];
            if (c === undefined) throw new Error('no such campaign');
            const now = { campaign: exposure(c), heat: sumDec(cs.map(exposure)) };
            const wouldBreak =
              step.delta.gt(ZERO) && (now.campaign.plus(step.delta).gt(campaignMax) || now.heat.plus(step.delta).gt(heatMax));
            let refused = false;
            try {
              checkRiskLimits(settings, now, step.delta);
            } catch (e) {
              if (!(e instanceof RiskLimitExceededError)) throw e;
              refused = true;
              expect(e.details.map((b) => b.limit)).toEqual(
                [
                  now.campaign.plus(step.delta).gt(campaignMax) ? 'campaign_risk' : null,
                  now.heat.plus(step.delta).gt(heatMax) ? 'portfolio_heat' : null,
                ].filter((x) => x !== null),
              );
            }
            expect(refused).toBe(wouldBreak);
            if (!refused) step.apply();
            for (const campaign of cs) {
              expect(exposure(campaign).lte(campaignMax)).toBe(true);
              for (const p of openOf(campaign)) {
                expect(fmt8(p.risk)).toBe(
                  fmt8(positionRisk(campaign.state.side, p.state.entryPrice, p.state.stopLoss, p.state.openShares)),
                );
              }
            }
            expect(sumDec(cs.map(exposure)).lte(heatMax)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
