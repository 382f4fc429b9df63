import { dec, ZERO } from '../src/decimal.js';
import { ConflictError, type FieldIssue, ValidationError } from '../src/errors.js';
import type { CampaignState, ExitOutcome, NewPositionInput, PositionState } from '../src/rules.js';

export const NOW = new Date('2026-11-25T14:00:00.000Z');

export const LONG_CAMPAIGN: CampaignState = {
  id: 'c-long',
  side: 'LONG',
  status: 'ACTIVE',
  symbol: 'GBPUSD',
  timeframe: '1h',
  version: 3,
};

export const SHORT_CAMPAIGN: CampaignState = { ...LONG_CAMPAIGN, id: 'c-short', side: 'SHORT' };

/** A valid LONG entry, to be varied one field at a time. */
export function longInput(over: Partial<NewPositionInput> = {}): NewPositionInput {
  return { patternType: 'SPRING', entryPrice: dec('1.25'), shares: dec('8000'), stopLoss: dec('1.245'), ...over };
}

/**
 * An OPEN position entered an hour before {@link NOW}, without exits and not yet marked: its open
 * shares are its shares, its current price its entry price.
 */
export function openState(over: Partial<PositionState> = {}): PositionState {
  const shares = over.shares ?? dec('8000');
  const entryPrice = over.entryPrice ?? dec('1.25');
  return {
    id: 'p-1',
    status: 'OPEN',
    side: 'LONG',
    entryPrice,
    shares,
    stopLoss: dec('1.245'),
    entryDate: new Date('2026-11-25T13:00:00.000Z'),
    openShares: shares,
    currentPrice: entryPrice,
    realizedPnl: null,
    fees: ZERO,
    exitedNotional: ZERO,
    lastExitDate: null,
    ...over,
  };
}

/** The position once an exit's outcome is stored, as the position service stores it. */
export function afterExit(p: PositionState, o: ExitOutcome): PositionState {
  return {
    ...p,
    status: o.closes ? 'CLOSED' : 'OPEN',
    openShares: o.openShares,
    currentPrice: o.currentPrice,
    realizedPnl: o.realizedPnl,
    fees: o.fees,
    exitedNotional: p.exitedNotional.plus(o.exit.price.mul(o.exit.shares)),
    lastExitDate: o.exit.date,
  };
}

/** The issues a rule reports; fails when it throws anything else or nothing. */
export function issuesOf(run: () => unknown): FieldIssue[] {
  try {
    run();
  } catch (e) {
    if (e instanceof ValidationError) return e.issues;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

/** The message of the conflict a rule reports; fails when it throws anything else or nothing. */
export function conflictOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ConflictError) return e.message;
    throw e;
  }
  throw new Error('expected a ConflictError');
}
