import { Campaign } from './campaigns/campaign.entity.js';
import { CampaignEvent } from './outbox/campaign-event.entity.js';
import { Position } from './positions/position.entity.js';

/** Every entity of the schema: the ORM's metadata, and what the migrations must agree with. */
export const ENTITIES = [Campaign, Position, CampaignEvent];
