import { type Dec, fitsNumeric18_8, MAX_ABS, ZERO } from './decimal.js';
import { ConflictError, type FieldIssue, ValidationError, VersionConflictError } from './errors.js';
import {
  type CampaignStatus,
  isTimeframe,
  normalizeSymbol,
  type PatternType,
  type PositionStatus,
  patternAllowed,
  type Side,
  type Timeframe,
} from './model.js';
import { positionPnl, positionRisk } from './pnl.js';

/** How far in the future an `entry_date` or `closed_date` may lie, in milliseconds. */
export const MAX_FUTURE_ENTRY_MS = 60_000;

/** What the rules need to know about a campaign. */
export interface CampaignState {
  id: string;
  side: Side;
  status: CampaignStatus;
  symbol: string;
  timeframe: Timeframe;
  version: number;
}

/** The body of a new position, already parsed. */
export interface NewPositionInput {
  patternType: PatternType;
  entryPrice: Dec;
  shares: Dec;
  stopLoss: Dec;
  entryDate?: Date;
  signalId?: string | null;
  symbol?: string;
  timeframe?: Timeframe;
}

/** The figures of a position about to be inserted. */
export interface OpenedPosition {
  patternType: PatternType;
  symbol: string;
  timeframe: Timeframe;
  signalId: string | null;
  entryDate: Date;
  entryPrice: Dec;
  shares: Dec;
  stopLoss: Dec;
  /** Equal to the entry price until the first mark. */
  currentPrice: Dec;
  /** Zero until the first mark. */
  currentPnl: Dec;
  risk: Dec;
}

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

const TOO_LARGE = 'position is too large: its value or risk exceeds 9999999999.99999999';

function checkAmount(issues: FieldIssue[], path: string, x: Dec): boolean {
  if (!x.isFinite() || !x.gt(ZERO)) {
    issues.push({ path, message: 'must be greater than 0' });
    return false;
  }
  if (!fitsNumeric18_8(x)) {
    issues.push({ path, message: 'at most 10 integer and 8 fractional digits' });
    return false;
  }
  return true;
}

function checkDate(issues: FieldIssue[], path: string, d: Date, now: Date): boolean {
  if (Number.isNaN(d.getTime())) {
    issues.push({ path, message: 'must be a valid timestamp' });
    return false;
  }
  if (d.getTime() - now.getTime() > MAX_FUTURE_ENTRY_MS) {
    issues.push({ path, message: 'may not be more than 60 s in the future' });
    return false;
  }
  return true;
}

function fail(issues: FieldIssue[]): void {
  if (issues.length > 0) throw new ValidationError(issues);
}

/**
 * Checks a new position against its campaign and computes its initial figures.
 *
 * @throws ConflictError when the campaign is closed.
 * @throws ValidationError listing every broken rule.
 */
export function openPosition(c: CampaignState, input: NewPositionInput, now: Date): OpenedPosition {
  if (c.status === 'CLOSED') throw new ConflictError('campaign is closed');
  const issues: FieldIssue[] = [];
  if (!patternAllowed(c.side, input.patternType)) {
    const allowed = c.side === 'LONG' ? 'SPRING, SOS or LPS' : 'UTAD, SOW or LPSY';
    issues.push({ path: 'pattern_type', message: `must be ${allowed} in a ${c.side} campaign` });
  }
  const entryOk = checkAmount(issues, 'entry_price', input.entryPrice);
  const sharesOk = checkAmount(issues, 'shares', input.shares);
  const stopOk = checkAmount(issues, 'stop_loss', input.stopLoss);
  if (entryOk && stopOk) {
    if (c.side === 'LONG' && !input.stopLoss.lt(input.entryPrice)) {
      issues.push({ path: 'stop_loss', message: 'must be below entry_price in a LONG campaign' });
    }
    if (c.side === 'SHORT' && !input.stopLoss.gt(input.entryPrice)) {
      issues.push({ path: 'stop_loss', message: 'must be above entry_price in a SHORT campaign' });
    }
  }
  const entryDate = input.entryDate ?? now;
  checkDate(issues, 'entry_date', entryDate, now);
  if (input.symbol !== undefined && normalizeSymbol(input.symbol) !== normalizeSymbol(c.symbol)) {
    issues.push({ path: 'symbol', message: `must equal the campaign's symbol ${c.symbol}` });
  }
  const timeframe = input.timeframe ?? c.timeframe;
  if (!isTimeframe(timeframe)) {
    issues.push({ path: 'timeframe', message: 'must be one of 1m 5m 15m 30m 1h 4h 1d 1w' });
  }
  let risk = ZERO;
  if (entryOk && sharesOk && stopOk) {
    risk = positionRisk(c.side, input.entryPrice, input.stopLoss, input.shares);
    const notional = input.entryPrice.mul(input.shares);
    if (notional.gt(MAX_ABS) || risk.abs().gt(MAX_ABS)) {
      issues.push({ path: 'shares', message: TOO_LARGE });
    }
  }
  fail(issues);
  return {
    patternType: input.patternType,
    symbol: c.symbol,
    timeframe,
    signalId: input.signalId ?? null,
    entryDate,
    entryPrice: input.entryPrice,
    shares: input.shares,
    stopLoss: input.stopLoss,
    currentPrice: input.entryPrice,
    currentPnl: ZERO,
    risk,
  };
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

/**
 * Checks that a campaign may be closed.
 *
 * @throws ConflictError when it is already closed or still has open positions.
 */
export function closeCampaignRule(c: CampaignState, openPositions: number): void {
  if (c.status === 'CLOSED') throw new ConflictError('campaign is already closed');
  if (openPositions > 0) {
    const noun = openPositions === 1 ? 'position' : 'positions';
    throw new ConflictError(`campaign has ${openPositions} open ${noun}`);
  }
}

/**
 * Checks an optional `If-Match` version against the campaign's current version.
 *
 * @throws VersionConflictError when a version was given and differs.
 */
export function checkIfMatch(currentVersion: number, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== currentVersion) {
    throw new VersionConflictError(currentVersion);
  }
}
