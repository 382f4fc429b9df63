import { type Dec, fitsNumeric18_8, ZERO } from './decimal.js';
import { ConflictError, type FieldIssue } from './errors.js';
import type { PositionStatus, Side } from './model.js';
import { positionPnl, positionRisk } from './pnl.js';
import { checkAmount, checkDate, fail } from './rule-checks.js';

/** What the rules need to know about a position. */
export interface PositionState {
  id: string;
  status: PositionStatus;
  side: Side;
  entryPrice: Dec;
  shares: Dec;
  stopLoss: Dec;
  entryDate: Date;
}

/** The figures a close writes; the current price and P&L freeze at the exit. */
export interface ClosedFigures {
  exitPrice: Dec;
  closedDate: Date;
  realizedPnl: Dec;
  currentPrice: Dec;
  currentPnl: Dec;
}

/**
 * Checks the close of a position and computes the figures it freezes.
 *
 * Without a `closedDate` the close happens now, or at the entry date when the position was
 * entered a few seconds in the future, so that a close without a date is never refused.
 *
 * @throws ConflictError when the position is already closed.
 * @throws ValidationError listing every broken rule.
 */
export function closePositionRule(p: PositionState, exitPrice: Dec, closedDate: Date | undefined, now: Date): ClosedFigures {
  if (p.status === 'CLOSED') throw new ConflictError('position is already closed');
  const issues: FieldIssue[] = [];
  const exitOk = checkAmount(issues, 'exit_price', exitPrice);
  const when = closedDate ?? (p.entryDate.getTime() > now.getTime() ? p.entryDate : now);
  if (checkDate(issues, 'closed_date', when, now) && when.getTime() < p.entryDate.getTime()) {
    issues.push({ path: 'closed_date', message: 'may not precede entry_date' });
  }
  let realizedPnl = ZERO;
  if (exitOk) {
    realizedPnl = positionPnl(p.side, p.entryPrice, p.shares, exitPrice);
    if (!fitsNumeric18_8(realizedPnl)) {
      issues.push({ path: 'exit_price', message: 'realized P&L exceeds 9999999999.99999999' });
    }
  }
  fail(issues);
  return {
    exitPrice,
    closedDate: when,
    realizedPnl,
    currentPrice: exitPrice,
    currentPnl: realizedPnl,
  };
}

/**
 * Checks a stop move and computes the new risk. A trailing stop may pass the entry, which makes
 * the risk negative.
 *
 * @throws ConflictError when the position is closed.
 * @throws ValidationError listing every broken rule.
 */
export function moveStopRule(p: PositionState, stopLoss: Dec): { stopLoss: Dec; risk: Dec } {
  if (p.status === 'CLOSED') throw new ConflictError('position is closed');
  const issues: FieldIssue[] = [];
  let risk = ZERO;
  if (checkAmount(issues, 'stop_loss', stopLoss)) {
    risk = positionRisk(p.side, p.entryPrice, stopLoss, p.shares);
    if (!fitsNumeric18_8(risk)) {
      issues.push({ path: 'stop_loss', message: 'risk exceeds 9999999999.99999999' });
    }
  }
  fail(issues);
  return { stopLoss, risk };
}
