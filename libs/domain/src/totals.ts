import { type Dec, divRound8, fmt8, ZERO } from './decimal.js';
import type { PositionStatus, Side } from './model.js';
import { positionRisk } from './pnl.js';
import { rMultiple } from './r-multiples.js';

/** The stored figures of one position that campaign totals depend on. */
export interface PositionFigures {
  status: PositionStatus;
  /** Shares still held (zero once CLOSED). */
  openShares: Dec;
  entryPrice: Dec;
  stopLoss: Dec;
  currentPnl: Dec;
  /** The sum of its exits' realized P&L; null before the first exit. */
  realizedPnl: Dec | null;
  /** The entry fee plus the fees of its exits. */
  fees: Dec;
  /** The risk at entry, on every share. */
  initialRisk: Dec;
  markedAt: Date | null;
  /** When a tick first reached its stop (section 8); null when it has not, or the stop moved beyond the price. */
  stopBreachedAt: Date | null;
}

/**
 * Exact sums over a set of positions, the same a SQL aggregate can produce. Sums of disjoint
 * sets combine with {@link mergeSums}.
 */
export interface TotalsSums {
  /** Sum of `open_shares` over OPEN positions. */
  openShares: Dec;
  /** Sum of `entry_price * open_shares` over OPEN positions, exact and not rounded. */
  openNotional: Dec;
  /** Sum of the per-position rounded risk on the open shares, over OPEN positions. */
  openRisk: Dec;
  /** Sum of `current_pnl` over OPEN positions. */
  unrealizedPnl: Dec;
  /** Sum of `realized_pnl` over every position (partial exits of OPEN ones included). */
  realizedPnl: Dec;
  /** Sum of `fees` over every position. */
  fees: Dec;
  /** Sum of `initial_risk` over every position. */
  initialRisk: Dec;
  openCount: number;
  closedCount: number;
  /** OPEN positions whose stop has been breached. */
  breachedCount: number;
  /** The latest `marked_at` over all positions, OPEN or CLOSED. */
  asOf: Date | null;
}

/** The sums of no positions. */
export const EMPTY_SUMS: TotalsSums = Object.freeze({
  openShares: ZERO,
  openNotional: ZERO,
  openRisk: ZERO,
  unrealizedPnl: ZERO,
  realizedPnl: ZERO,
  fees: ZERO,
  initialRisk: ZERO,
  openCount: 0,
  closedCount: 0,
  breachedCount: 0,
  asOf: null,
});

function latest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return b.getTime() > a.getTime() ? b : a;
}

/** Adds the sums of two disjoint sets of positions of the same campaign. */
export function mergeSums(a: TotalsSums, b: TotalsSums): TotalsSums {
  return {
    openShares: a.openShares.plus(b.openShares),
    openNotional: a.openNotional.plus(b.openNotional),
    openRisk: a.openRisk.plus(b.openRisk),
    unrealizedPnl: a.unrealizedPnl.plus(b.unrealizedPnl),
    realizedPnl: a.realizedPnl.plus(b.realizedPnl),
    fees: a.fees.plus(b.fees),
    initialRisk: a.initialRisk.plus(b.initialRisk),
    openCount: a.openCount + b.openCount,
    closedCount: a.closedCount + b.closedCount,
    breachedCount: a.breachedCount + b.breachedCount,
    asOf: latest(a.asOf, b.asOf),
  };
}

/**
 * Sums the positions of a campaign of the given side. A realized P&L that is null (no exit yet)
 * counts as zero, as SQL `sum` skips nulls.
 */
export function sumPositions(side: Side, positions: readonly PositionFigures[]): TotalsSums {
  let s: TotalsSums = EMPTY_SUMS;
  for (const p of positions) {
    const every = { realizedPnl: p.realizedPnl ?? ZERO, fees: p.fees, initialRisk: p.initialRisk, asOf: p.markedAt };
    const one: TotalsSums =
      p.status === 'OPEN'
        ? {
            ...EMPTY_SUMS,
            ...every,
            openShares: p.openShares,
            openNotional: p.entryPrice.mul(p.openShares),
            openRisk: positionRisk(side, p.entryPrice, p.stopLoss, p.openShares),
            unrealizedPnl: p.currentPnl,
            openCount: 1,
            breachedCount: p.stopBreachedAt === null ? 0 : 1,
          }
        : { ...EMPTY_SUMS, ...every, closedCount: 1 };
    s = mergeSums(s, one);
  }
  return s;
}

/** The totals of a campaign, as the contract defines them. */
export interface CampaignTotals {
  totalShares: Dec;
  weightedAvgEntry: Dec;
  totalRisk: Dec;
  unrealizedPnl: Dec;
  realizedPnl: Dec;
  totalPnl: Dec;
  totalFees: Dec;
  /** `totalPnl − totalFees`. */
  netPnl: Dec;
  initialRisk: Dec;
  /** `netPnl / initialRisk`, rounded once; null when the initial risk is 0 (no positions). */
  rMultiple: Dec | null;
  openPositionsCount: number;
  closedPositionsCount: number;
  /** OPEN positions with `stop_breached_at` set (section 8). */
  breachedPositionsCount: number;
  asOf: Date | null;
}

/**
 * Derives campaign totals from sums. `weightedAvgEntry` is `openNotional / openShares`
 * computed exactly and rounded once to 8 digits, half-even; zero when nothing is open.
 */
export function totalsFromSums(s: TotalsSums): CampaignTotals {
  const totalPnl = s.unrealizedPnl.plus(s.realizedPnl);
  const netPnl = totalPnl.minus(s.fees);
  return {
    totalShares: s.openShares,
    weightedAvgEntry: s.openShares.isZero() ? ZERO : divRound8(s.openNotional, s.openShares),
    totalRisk: s.openRisk,
    unrealizedPnl: s.unrealizedPnl,
    realizedPnl: s.realizedPnl,
    totalPnl,
    totalFees: s.fees,
    netPnl,
    initialRisk: s.initialRisk,
    rMultiple: rMultiple(netPnl, s.initialRisk),
    openPositionsCount: s.openCount,
    closedPositionsCount: s.closedCount,
    breachedPositionsCount: s.breachedCount,
    asOf: s.asOf,
  };
}

/** The totals of a campaign of the given side from all its positions. */
export function campaignTotals(side: Side, positions: readonly PositionFigures[]): CampaignTotals {
  return totalsFromSums(sumPositions(side, positions));
}

/** Campaign totals as the contract's JSON fields. */
export interface TotalsJson {
  total_shares: string;
  weighted_avg_entry: string;
  total_risk: string;
  unrealized_pnl: string;
  realized_pnl: string;
  total_pnl: string;
  total_fees: string;
  net_pnl: string;
  initial_risk: string;
  r_multiple: string | null;
  open_positions_count: number;
  closed_positions_count: number;
  breached_positions_count: number;
  as_of: string | null;
}

/** Formats totals for JSON: decimals with 8 fractional digits, `as_of` in UTC with `Z`. */
export function totalsToJson(t: CampaignTotals): TotalsJson {
  return {
    total_shares: fmt8(t.totalShares),
    weighted_avg_entry: fmt8(t.weightedAvgEntry),
    total_risk: fmt8(t.totalRisk),
    unrealized_pnl: fmt8(t.unrealizedPnl),
    realized_pnl: fmt8(t.realizedPnl),
    total_pnl: fmt8(t.totalPnl),
    total_fees: fmt8(t.totalFees),
    net_pnl: fmt8(t.netPnl),
    initial_risk: fmt8(t.initialRisk),
    r_multiple: t.rMultiple === null ? null : fmt8(t.rMultiple),
    open_positions_count: t.openPositionsCount,
    closed_positions_count: t.closedPositionsCount,
    breached_positions_count: t.breachedPositionsCount,
    as_of: t.asOf === null ? null : t.asOf.toISOString(),
  };
}
