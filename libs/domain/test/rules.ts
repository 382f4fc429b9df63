import { dec } from '../src/decimal.js';
import { ConflictError, type FieldIssue, ValidationError } from '../src/errors.js';
import type { CampaignState, NewPositionInput, PositionState } from '../src/rules.js';

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

/** An OPEN position entered an hour before {@link NOW}. */
export function openState(over: Partial<PositionState> = {}): PositionState {
  return {
    id: 'p-1',
    status: 'OPEN',
    side: 'LONG',
    entryPrice: dec('1.25'),
    shares: dec('8000'),
    stopLoss: dec('1.245'),
    entryDate: new Date('2026-11-25T13:00:00.000Z'),
    ...over,
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
