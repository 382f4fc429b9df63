import type { CampaignJson, CampaignUpdated } from '@cpt/contracts';
import type { Dec, NewPositionInput } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type CreateCampaignInput, closeCampaign, createCampaign } from './campaigns/campaign.commands.js';
import type { CommandOptions } from './campaigns/campaign-change.js';
import { addPosition, closePosition, moveStop, type PositionResult } from './positions/position.commands.js';

/**
 * The commands that change campaigns, bound to the application's entity manager: what the
 * gateway calls. Each runs in one transaction (see `changeCampaign`); the rules live in the domain.
 */
export class CampaignCommands {
  constructor(private readonly em: EntityManager) {}

  createCampaign(input: CreateCampaignInput, opts?: CommandOptions): Promise<CampaignJson> {
    return createCampaign(this.em, input, opts);
  }

  closeCampaign(campaignId: string, opts?: CommandOptions): Promise<{ campaign: CampaignJson; event: CampaignUpdated }> {
    return closeCampaign(this.em, campaignId, opts);
  }

  addPosition(campaignId: string, input: NewPositionInput, opts?: CommandOptions): Promise<PositionResult> {
    return addPosition(this.em, campaignId, input, opts);
  }

  closePosition(positionId: string, exitPrice: Dec, closedDate: Date | undefined, opts?: CommandOptions): Promise<PositionResult> {
    return closePosition(this.em, positionId, exitPrice, closedDate, opts);
  }

  moveStop(positionId: string, stopLoss: Dec, opts?: CommandOptions): Promise<PositionResult> {
    return moveStop(this.em, positionId, stopLoss, opts);
  }
}
