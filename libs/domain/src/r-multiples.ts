import { type Dec, divRound8, ZERO } from './decimal.js';
import type { PositionStatus } from './model.js';

/** What a position's net P&L is made of. */
export interface NetPnlParts {
  status: PositionStatus;
  /** Null before the first exit. */
  realizedPnl: Dec | null;
  /** The P&L of the open shares at the current price (equal to the realized P&L once CLOSED). */
  currentPnl: Dec;
  fees: Dec;
}

/**
 * A position's net P&L: OPEN `realized_pnl + current_pnl − fees`, CLOSED `realized_pnl − fees`,
 * null counting as 0. An exact sum of stored figures: nothing to round.
 */
export function netPnl(p: NetPnlParts): Dec {
  const realized = p.realizedPnl ?? ZERO;
  return (p.status === 'OPEN' ? realized.plus(p.currentPnl) : realized).minus(p.fees);
}

/** `net_pnl / initial_risk`, rounded once to 8 digits, half-even; null when the initial risk is 0. */
export function rMultiple(net: Dec, initialRisk: Dec): Dec | null {
  return initialRisk.isZero() ? null : divRound8(net, initialRisk);
}
