import { Account } from './accounts/account.entity.js';
import { Campaign } from './campaigns/campaign.entity.js';
import { EquityPoint } from './equity/equity-point.entity.js';
import { Exit } from './exits/exit.entity.js';
import { JournalEntry } from './journal/journal-entry.entity.js';
import { ApiKey } from './keys/api-key.entity.js';
import { SymbolMark } from './marks/symbol-mark.entity.js';
import { CampaignEvent } from './outbox/campaign-event.entity.js';
import { Position } from './positions/position.entity.js';

/** Every entity of the schema: the ORM's metadata, and what the migrations must agree with. */
export const ENTITIES = [Account, ApiKey, Campaign, Position, Exit, SymbolMark, EquityPoint, CampaignEvent, JournalEntry];
