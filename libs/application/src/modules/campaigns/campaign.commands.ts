import { randomUUID } from 'node:crypto';
import type { CampaignJson, CampaignUpdated } from '@cpt/contracts';
import {
  type Caller,
  type CampaignState,
  ConflictError,
  checkIfMatch,
  closeCampaignRule,
  NotFoundError,
  type Side,
  type Timeframe,
} from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { appendJournal } from '../journal/journal.repository.js';
import { countOpenPositions } from '../positions/position.repository.js';
import { Campaign, type CampaignEntity } from './campaign.entity.js';
import { type CampaignRow, campaignJson } from './campaign.mapper.js';
import { lockCampaign, selectCampaign } from './campaign.repository.js';
import { type CommandOptions, changeCampaign, commitChange } from './campaign-change.js';

export interface CreateCampaignInput {
  name: string;
  symbol: string;
  timeframe: Timeframe;
  side: Side;
  /** Section 8; false when not given. */
  autoExitOnStop?: boolean;
}

/** The settings `PATCH /api/v1/campaigns/{id}` changes. */
export interface CampaignSettingsInput {
  autoExitOnStop: boolean;
}

/** The domain's view of a campaign entity. */
export const campaignState = (c: CampaignEntity): CampaignState => ({
  id: c.id,
  side: c.side,
  status: c.status,
  symbol: c.symbol,
  timeframe: c.timeframe,
  version: c.version,
});

/** Creates an ACTIVE campaign of the caller's account at version 1, journaled as `campaign_created`. */
export function createCampaign(
  root: EntityManager,
  caller: Caller,
  input: CreateCampaignInput,
  opts: CommandOptions = {},
): Promise<CampaignJson> {
  const now = opts.now ?? new Date();
  return root.fork().transactional(async (em) => {
    const autoExitOnStop = input.autoExitOnStop ?? false;
    const c = em.create(Campaign, {
      id: randomUUID(),
      account: caller.accountId,
      name: input.name,
      symbol: input.symbol,
      timeframe: input.timeframe,
      side: input.side,
      autoExitOnStop,
      status: 'ACTIVE',
      version: 1,
      lastSeq: 0,
      createdAt: now,
      updatedAt: now,
    });
    await em.flush();
    await appendJournal(em, caller, {
      campaignId: c.id,
      at: now,
      action: 'campaign_created',
      version: 1,
      positionId: null,
      requestId: opts.requestId ?? null,
      details: {
        name: input.name,
        symbol: input.symbol,
        timeframe: input.timeframe,
        side: input.side,
        auto_exit_on_stop: autoExitOnStop,
      },
    });
    return campaignJson((await selectCampaign(em, caller.accountId, c.id)) as CampaignRow);
  });
}

/** Closes a campaign that has no OPEN position. */
export async function closeCampaign(
  root: EntityManager,
  caller: Caller,
  campaignId: string,
  opts: CommandOptions = {},
): Promise<{ campaign: CampaignJson; event: CampaignUpdated }> {
  const r = await changeCampaign(
    root,
    caller,
    campaignId,
    opts,
    { reason: 'campaign_closed', action: 'campaign_closed' },
    async (em, c, now) => {
      closeCampaignRule(campaignState(c), await countOpenPositions(em, caller.accountId, c.id));
      c.status = 'CLOSED';
      c.updatedAt = now;
      return { positionId: null, details: {} };
    },
  );
  // A CLOSED campaign changes no more: the row read after the commit is the one it committed.
  const campaign = campaignJson((await selectCampaign(root.fork(), caller.accountId, campaignId)) as CampaignRow);
  return { campaign, event: r.event };
}

/**
 * Changes a campaign's settings (section 8's `auto_exit_on_stop`): a structural change, journaled
 * as `campaign_updated` and announced with reason `settings_changed`. A CLOSED campaign changes no
 * more (409 `conflict`), whatever the value.
 *
 * Setting a value the campaign already has changes nothing: the contract counts a setting
 * *changed* as a structural change, so the campaign keeps its version, and no journal entry and
 * no event are written (a retried request is harmless). It is still a command on the campaign:
 * `If-Match` is checked, and `event` is null. The campaign row is locked while this is decided, so
 * that a concurrent change is either seen or waits.
 */
export async function updateCampaignSettings(
  root: EntityManager,
  caller: Caller,
  campaignId: string,
  input: CampaignSettingsInput,
  opts: CommandOptions = {},
): Promise<{ campaign: CampaignJson; event: CampaignUpdated | null }> {
  const now = opts.now ?? new Date();
  return root.fork().transactional(async (em) => {
    const c = await lockCampaign(em, caller.accountId, campaignId);
    if (!c) throw new NotFoundError('campaign', campaignId);
    checkIfMatch(c.version, opts.ifMatch);
    if (c.status === 'CLOSED') throw new ConflictError('campaign is closed: its settings change no more');
    let event: CampaignUpdated | null = null;
    if (c.autoExitOnStop !== input.autoExitOnStop) {
      c.autoExitOnStop = input.autoExitOnStop;
      const kind = { reason: 'settings_changed', action: 'campaign_updated' } as const;
      const details = { auto_exit_on_stop: input.autoExitOnStop };
      ({ event } = await commitChange(em, caller, c, kind, { positionId: null, details }, now, opts.requestId ?? null));
    }
    return { campaign: campaignJson((await selectCampaign(em, caller.accountId, c.id)) as CampaignRow), event };
  });
}
