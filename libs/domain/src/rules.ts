import { type Dec, fitsNumeric18_8, MAX_ABS, ZERO } from './decimal.js';
import { ConflictError, type FieldIssue, VersionConflictError } from './errors.js';
import { type PricePoint, startExcursions } from './excursions.js';
import { type CampaignStatus, isTimeframe, normalizeSymbol, type PatternType, patternAllowed, type Side, type Timeframe } from './model.js';
import { positionPnl, positionRisk } from './pnl.js';
import { checkAmount, checkDate, checkFee, fail } from './rule-checks.js';
import { isThroughStop, type StopBreach } from './stops.js';

export * from './position-rules.js';
export { MAX_FUTURE_ENTRY_MS } from './rule-checks.js';

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
  /** The fee paid on entry; defaults to 0. */
  entryFee?: Dec;
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
  /** The symbol's mark when it is not before the entry, else the entry price until the first mark. */
  currentPrice: Dec;
  /** The P&L at the current price (zero until the first mark). */
  currentPnl: Dec;
  /** The mark's `ts` when the position is marked at once, else null. */
  markedAt: Date | null;
  /**
   * Section 8: the mark it is marked with at once when that mark is already at or through its
   * stop (a breach, never an automatic exit), else null.
   */
  stopBreach: StopBreach | null;
  /** From the entry price and the mark it starts with (section 9). */
  maxFavorablePrice: Dec;
  maxAdversePrice: Dec;
  /** The risk on the open shares (all of them at entry). */
  risk: Dec;
  entryFee: Dec;
  /** The stop at entry, kept however the stop moves later. */
  initialStop: Dec;
  /** The risk at entry: LONG (entry − initial stop) × shares, SHORT mirrored, rounded once. */
  initialRisk: Dec;
}

const TOO_LARGE = 'position is too large: its value or risk exceeds 9999999999.99999999';

/**
 * Checks a new position against its campaign and computes its initial figures. A position is
 * marked at once by its symbol's `mark` when that mark is not before its entry date (section 6),
 * unless its P&L there would not fit NUMERIC(18,8).
 *
 * @throws ConflictError when the campaign is closed.
 * @throws ValidationError listing every broken rule.
 */
export function openPosition(c: CampaignState, input: NewPositionInput, now: Date, mark?: PricePoint): OpenedPosition {
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
  const entryFee = input.entryFee ?? ZERO;
  checkFee(issues, 'entry_fee', entryFee);
  let risk = ZERO;
  if (entryOk && sharesOk && stopOk) {
    risk = positionRisk(c.side, input.entryPrice, input.stopLoss, input.shares);
    const notional = input.entryPrice.mul(input.shares);
    if (notional.gt(MAX_ABS) || risk.abs().gt(MAX_ABS)) {
      issues.push({ path: 'shares', message: TOO_LARGE });
    }
  }
  fail(issues);
  const pnlAtMark =
    mark && mark.ts.getTime() >= entryDate.getTime() ? positionPnl(c.side, input.entryPrice, input.shares, mark.price) : undefined;
  const marked = mark !== undefined && pnlAtMark !== undefined && fitsNumeric18_8(pnlAtMark);
  return {
    patternType: input.patternType,
    symbol: c.symbol,
    timeframe,
    signalId: input.signalId ?? null,
    entryDate,
    entryPrice: input.entryPrice,
    shares: input.shares,
    stopLoss: input.stopLoss,
    currentPrice: marked ? mark.price : input.entryPrice,
    currentPnl: marked ? (pnlAtMark as Dec) : ZERO,
    markedAt: marked ? mark.ts : null,
    stopBreach: marked && isThroughStop(c.side, mark.price, input.stopLoss) ? { at: mark.ts, price: mark.price } : null,
    ...startExcursions(c.side, input.entryPrice, marked ? mark.price : undefined),
    risk,
    entryFee,
    initialStop: input.stopLoss,
    initialRisk: risk,
  };
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
