import type { CampaignJson, CampaignUpdated } from '@cpt/contracts';
import type { Caller, Dec, ExitRequest, NewPositionInput } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type CampaignSettingsInput,
  type CreateCampaignInput,
  closeCampaign,
  createCampaign,
  updateCampaignSettings,
} from './campaigns/campaign.commands.js';
import type { CommandOptions } from './campaigns/campaign-change.js';
import { addPosition, closePosition, type ExitResult, exitPosition, moveStop, type PositionResult } from './positions/position.commands.js';

/**
 * The commands that change campaigns, bound to the application's entity manager: what the
 * gateway calls. Each acts on the caller's account only and runs in one transaction (see
 * `changeCampaign`); the rules live in the domain.
 */
export class CampaignCommands {
  constructor(private readonly em: EntityManager) {}

  createCampaign(caller: Caller, input: CreateCampaignInput, opts?: CommandOptions): Promise<CampaignJson> {
    return createCampaign(this.em, caller, input, opts);
  }

  closeCampaign(caller: Caller, campaignId: string, opts?: CommandOptions): Promise<{ campaign: CampaignJson; event: CampaignUpdated }> {
    return closeCampaign(this.em, caller, campaignId, opts);
  }

  updateCampaign(
    caller: Caller,
    campaignId: string,
    input: CampaignSettingsInput,
    opts?: CommandOptions,
  ): Promise<{ campaign: CampaignJson; event: CampaignUpdated | null }> {
    return updateCampaignSettings(this.em, caller, campaignId, input, opts);
  }

  addPosition(caller: Caller, campaignId: string, input: NewPositionInput, opts?: CommandOptions): Promise<PositionResult> {
    return addPosition(this.em, caller, campaignId, input, opts);
  }

  closePosition(
    caller: Caller,
    positionId: string,
    close: { exitPrice: Dec; closedDate?: Date | undefined; fee?: Dec | undefined },
    opts?: CommandOptions,
  ): Promise<PositionResult> {
    return closePosition(this.em, caller, positionId, close, opts);
  }

  exitPosition(caller: Caller, positionId: string, exit: ExitRequest, opts?: CommandOptions): Promise<ExitResult> {
    return exitPosition(this.em, caller, positionId, exit, opts);
  }

  moveStop(caller: Caller, positionId: string, stopLoss: Dec, opts?: CommandOptions): Promise<PositionResult> {
    return moveStop(this.em, caller, positionId, stopLoss, opts);
  }
}
