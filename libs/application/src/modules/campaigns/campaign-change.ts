import type { CampaignUpdated, PositionJson, UpdateReason } from '@cpt/contracts';
import { type Caller, checkIfMatch, type JournalAction, NotFoundError, type PricePoint, type RiskSettings } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { appendJournal } from '../journal/journal.repository.js';
import { shareCampaignSymbolMark } from '../marks/symbol-marks.repository.js';
import { recordEvents } from '../outbox/outbox.commands.js';
import { selectPosition } from '../positions/position.repository.js';
import { lockRiskSettings } from '../risk/risk.repository.js';
import type { CampaignEntity } from './campaign.entity.js';
import { lockCampaign } from './campaign.repository.js';

/** Options every command takes. */
export interface CommandOptions {
  /** The version named by `If-Match`; the command fails with `version_conflict` when it differs. */
  ifMatch?: number;
  /** Correlates the command with its event and its journal entry. */
  requestId?: string;
  /** The command's clock; defaults to the current time. */
  now?: Date;
}

/** A committed structural change: the campaign's new version and its event. */
export interface ChangeResult {
  version: number;
  event: CampaignUpdated;
  /** The position the change touched, as the event carries it. */
  position?: PositionJson;
}

/** What a change did, for its event and its journal entry. */
export interface Applied {
  /** The position it touched, if any. */
  positionId: string | null;
  /** The command's accepted values in contract form (8-digit decimals, UTC timestamps). */
  details: Record<string, unknown>;
  /** The event reason and journal action when they depend on the outcome (an exit that closes). */
  reason?: UpdateReason;
  action?: JournalAction;
}

/** How a change is recorded: its event reason and its journal action. */
export interface ChangeKind {
  reason: UpdateReason;
  action: JournalAction;
  /**
   * The change may raise the account's exposure: the account's lock is taken first, and its risk
   * settings are handed to the change, which checks them (section 8).
   */
  riskLimited?: boolean;
  /**
   * The change starts from the mark of the campaign's symbol (a position opened): the mark is
   * share-locked before the campaign, as a batch of marks locks symbols before campaigns, and handed
   * to the change.
   */
  readsMark?: boolean;
}

/** What a change sees: its transaction, the locked campaign, its clock, and the account's risk settings when locked. */
export type Change = (
  em: EntityManager,
  c: CampaignEntity,
  now: Date,
  risk: RiskSettings | null,
  mark: PricePoint | undefined,
) => Promise<Applied>;

/**
 * Runs one structural change of a caller's campaign in one transaction: lock the account when the
 * change may raise exposure, then the campaign row (the lock every writer of a campaign takes;
 * another account's campaign is not found), check `If-Match`,
 * apply the change, bump `version` and `last_seq`, and record the event in the outbox and the
 * entry in the journal.
 */
export function changeCampaign(
  root: EntityManager,
  caller: Caller,
  campaignId: string,
  opts: CommandOptions,
  kind: ChangeKind,
  change: Change,
): Promise<ChangeResult> {
  const now = opts.now ?? new Date();
  const requestId = opts.requestId ?? null;
  return root.fork().transactional(async (em) => {
    // Account, then symbol mark, then campaign, always: the order every writer holding several follows.
    const risk = kind.riskLimited ? await lockRiskSettings(em, caller.accountId) : null;
    const mark = kind.readsMark ? await shareCampaignSymbolMark(em, caller.accountId, campaignId) : undefined;
    const c = await lockCampaign(em, caller.accountId, campaignId);
    if (!c) throw new NotFoundError('campaign', campaignId);
    checkIfMatch(c.version, opts.ifMatch);
    const applied = await change(em, c, now, risk, mark);
    return commitChange(em, caller, c, kind, applied, now, requestId);
  });
}

/**
 * Records a change applied to a campaign locked in `em`'s transaction: bumps `version` and
 * `last_seq`, and writes the journal entry and the outbox event. For a command that decides
 * under the lock whether anything changes at all (a setting set to the value it has).
 */
export async function commitChange(
  em: EntityManager,
  caller: Caller,
  c: CampaignEntity,
  kind: ChangeKind,
  applied: Applied,
  now: Date,
  requestId: string | null,
): Promise<ChangeResult> {
  c.version += 1;
  c.lastSeq += 1;
  c.updatedAt = now;
  await em.flush();
  await appendJournal(em, caller, {
    campaignId: c.id,
    at: now,
    action: applied.action ?? kind.action,
    version: c.version,
    positionId: applied.positionId,
    requestId,
    details: applied.details,
  });
  const position = applied.positionId ? await selectPosition(em, caller.accountId, applied.positionId) : undefined;
  const { events } = await recordEvents(
    em,
    [
      {
        campaignId: c.id,
        seq: c.lastSeq,
        version: c.version,
        reason: applied.reason ?? kind.reason,
        changedPositions: position ? [position] : [],
        requestId,
      },
    ],
    now,
    caller.accountId,
  );
  const event = events[0] as CampaignUpdated;
  return position ? { version: c.version, event, position } : { version: c.version, event };
}
