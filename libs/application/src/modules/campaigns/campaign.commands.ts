import { randomUUID } from 'node:crypto';
import type { CampaignJson, CampaignUpdated } from '@cpt/contracts';
import { type CampaignState, closeCampaignRule, type Side, type Timeframe } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
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

/** Creates an ACTIVE campaign at version 1. */
export async function createCampaign(root: EntityManager, input: CreateCampaignInput, opts: CommandOptions = {}): Promise<CampaignJson> {
  const now = opts.now ?? new Date();
  const em = root.fork();
  const c = em.create(Campaign, { id: randomUUID(), ...input, status: 'ACTIVE', version: 1, lastSeq: 0, createdAt: now, updatedAt: now });
  await em.flush();
  return campaignJson((await selectCampaign(em, c.id)) as CampaignRow);
}

/** Closes a campaign that has no OPEN position. */
export async function closeCampaign(
  root: EntityManager,
  campaignId: string,
  opts: CommandOptions = {},
): Promise<{ campaign: CampaignJson; event: CampaignUpdated }> {
  const r = await changeCampaign(root, campaignId, opts, 'campaign_closed', async (em, c, now) => {
    closeCampaignRule(campaignState(c), await countOpenPositions(em, c.id));
    c.status = 'CLOSED';
    c.updatedAt = now;
    return null;
  });
  return { campaign: r.campaign, event: r.event };
}
