import { randomUUID } from 'node:crypto';
import type { CampaignJson, CampaignUpdated } from '@cpt/contracts';
import { type Caller, type CampaignState, closeCampaignRule, type Side, type Timeframe } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { appendJournal } from '../journal/journal.repository.js';
import { countOpenPositions } from '../positions/position.repository.js';
import { Campaign, type CampaignEntity } from './campaign.entity.js';
import { type CampaignRow, campaignJson } from './campaign.mapper.js';
import { selectCampaign } from './campaign.repository.js';
import { type CommandOptions, changeCampaign } from './campaign-change.js';

export interface CreateCampaignInput {
  name: string;
  symbol: string;
  timeframe: Timeframe;
  side: Side;
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
    const c = em.create(Campaign, {
      id: randomUUID(),
      account: caller.accountId,
      ...input,
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
      details: { name: input.name, symbol: input.symbol, timeframe: input.timeframe, side: input.side },
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
