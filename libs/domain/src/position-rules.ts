import { type Dec, divRound8, fitsNumeric18_8, ZERO } from './decimal.js';
import { ConflictError, type FieldIssue } from './errors.js';
import type { PositionStatus, Side } from './model.js';
import { positionPnl, positionRisk } from './pnl.js';
import { checkAmount, checkDate, checkFee, fail } from './rule-checks.js';

/** What the rules need to know about a position. */
export interface PositionState {
  id: string;
  status: PositionStatus;
  side: Side;
  entryPrice: Dec;
  /** The size at entry. */
  shares: Dec;
  stopLoss: Dec;
  entryDate: Date;
  /** Shares still held: `shares` less every exit. */
  openShares: Dec;
  currentPrice: Dec;
  /** The sum of its exits' realized P&L; null before the first exit. */
  realizedPnl: Dec | null;
  /** The entry fee plus the fees of its exits. */
  fees: Dec;
  /** The exact sum of `price × shares` over its exits (zero before the first). */
  exitedNotional: Dec;
  /** The date of its latest exit, or null. */
  lastExitDate: Date | null;
}

/** One exit as a command asks for it; what it leaves out takes its default. */
export interface ExitRequest {
  /** Shares to sell (or buy back); all `open_shares` when left out. */
  shares?: Dec;
  price: Dec;
  /** Defaults to now, or to the latest of the entry and the last exit when those lie ahead. */
  date?: Date;
  /** Defaults to 0. */
  fee?: Dec;
}

/** The body fields an exit's figures are reported under (the close command names them its own way). */
export interface ExitFieldNames {
  shares: string;
  price: string;
  date: string;
  fee: string;
}

/** `POST /api/v1/positions/{id}/exits`. */
export const EXIT_FIELDS: ExitFieldNames = Object.freeze({ shares: 'shares', price: 'price', date: 'date', fee: 'fee' });
/** `POST /api/v1/positions/{id}/close`: an exit of every open share. */
export const CLOSE_FIELDS: ExitFieldNames = Object.freeze({ shares: 'shares', price: 'exit_price', date: 'closed_date', fee: 'fee' });

/** One exit's figures. */
export interface ExitFigures {
  shares: Dec;
  price: Dec;
  date: Date;
  fee: Dec;
  /** LONG `(price − entry_price) × shares`, SHORT mirrored, rounded once. */
  realizedPnl: Dec;
}

/** An exit and the position's figures once it is applied. */
export interface ExitOutcome {
  exit: ExitFigures;
  /** Whether the exit leaves no open shares, and so closes the position. */
  closes: boolean;
  openShares: Dec;
  realizedPnl: Dec;
  fees: Dec;
  /** The risk on the shares still open (zero once closed). */
  risk: Dec;
  /** OPEN: unchanged; CLOSED: the exit price. */
  currentPrice: Dec;
  /** OPEN: the P&L of the open shares at the current price; CLOSED: the realized P&L. */
  currentPnl: Dec;
  /** CLOSED: the share-weighted average of the exits' prices, rounded once; OPEN: null. */
  exitPrice: Dec | null;
  /** CLOSED: the date of this exit; OPEN: null. */
  closedDate: Date | null;
}

const TOO_LARGE = 'exceeds 9999999999.99999999';

const later = (a: Date, b: Date | null): Date => (b !== null && b.getTime() > a.getTime() ? b : a);

/**
 * Checks an exit of part or all of a position's open shares and computes what it leaves. Without
 * a date the exit happens now, or at the latest of the entry and the last exit when one of them
 * lies a few seconds ahead, so that an exit without a date is never refused for its date.
 *
 * @throws ConflictError when the position is already closed.
 * @throws ValidationError listing every broken rule.
 */
export function exitPositionRule(p: PositionState, req: ExitRequest, now: Date, names: ExitFieldNames = EXIT_FIELDS): ExitOutcome {
  if (p.status === 'CLOSED') throw new ConflictError('position is already closed');
  const issues: FieldIssue[] = [];
  const shares = req.shares ?? p.openShares;
  let sharesOk = checkAmount(issues, names.shares, shares);
  if (sharesOk && shares.gt(p.openShares)) {
    issues.push({ path: names.shares, message: `may not exceed open_shares ${p.openShares.toFixed(8)}` });
    sharesOk = false;
  }
  const priceOk = checkAmount(issues, names.price, req.price);
  const fee = req.fee ?? ZERO;
  const feeOk = checkFee(issues, names.fee, fee);
  const date = req.date ?? later(later(now, p.entryDate), p.lastExitDate);
  if (checkDate(issues, names.date, date, now)) {
    if (date.getTime() < p.entryDate.getTime()) {
      issues.push({ path: names.date, message: 'may not precede entry_date' });
    } else if (p.lastExitDate !== null && date.getTime() < p.lastExitDate.getTime()) {
      issues.push({ path: names.date, message: "may not precede the position's last exit" });
    }
  }
  let outcome: ExitOutcome | undefined;
  if (sharesOk && priceOk && feeOk) {
    const realized = positionPnl(p.side, p.entryPrice, shares, req.price);
    const totalRealized = (p.realizedPnl ?? ZERO).plus(realized);
    const fees = p.fees.plus(fee);
    const openShares = p.openShares.minus(shares);
    const closes = openShares.isZero();
    if (!fitsNumeric18_8(realized) || !fitsNumeric18_8(totalRealized)) {
      issues.push({ path: names.price, message: `realized P&L ${TOO_LARGE}` });
    }
    if (!fitsNumeric18_8(fees)) issues.push({ path: names.fee, message: "the position's fees would exceed 9999999999.99999999" });
    const exitPrice = closes ? divRound8(p.exitedNotional.plus(req.price.mul(shares)), p.shares) : null;
    const currentPrice = exitPrice ?? p.currentPrice;
    outcome = {
      exit: { shares, price: req.price, date, fee, realizedPnl: realized },
      closes,
      openShares,
      realizedPnl: totalRealized,
      fees,
      risk: closes ? ZERO : positionRisk(p.side, p.entryPrice, p.stopLoss, openShares),
      currentPrice,
      currentPnl: closes ? totalRealized : positionPnl(p.side, p.entryPrice, openShares, currentPrice),
      exitPrice,
      closedDate: closes ? date : null,
    };
  }
  fail(issues);
  return outcome as ExitOutcome;
}

/**
 * Checks the close of a position, an exit of all its open shares at `exitPrice`, and computes the
 * figures it freezes.
 *
 * @throws ConflictError when the position is already closed.
 * @throws ValidationError listing every broken rule.
 */
export function closePositionRule(p: PositionState, exitPrice: Dec, closedDate: Date | undefined, now: Date, fee?: Dec): ExitOutcome {
  const req: ExitRequest = { price: exitPrice };
  if (closedDate !== undefined) req.date = closedDate;
  if (fee !== undefined) req.fee = fee;
  return exitPositionRule(p, req, now, CLOSE_FIELDS);
}

/**
 * Checks a stop move and computes the new risk on the open shares. A trailing stop may pass the
 * entry, which makes the risk negative (it then locks in a gain and exposes nothing).
 *
 * @throws ConflictError when the position is closed.
 * @throws ValidationError listing every broken rule.
 */
export function moveStopRule(p: PositionState, stopLoss: Dec): { stopLoss: Dec; risk: Dec } {
  if (p.status === 'CLOSED') throw new ConflictError('position is closed');
  const issues: FieldIssue[] = [];
  let risk = ZERO;
  if (checkAmount(issues, 'stop_loss', stopLoss)) {
    risk = positionRisk(p.side, p.entryPrice, stopLoss, p.openShares);
    if (!fitsNumeric18_8(risk)) {
      issues.push({ path: 'stop_loss', message: `risk ${TOO_LARGE}` });
    }
  }
  fail(issues);
  return { stopLoss, risk };
}
