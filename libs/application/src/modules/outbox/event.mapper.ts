import type { CampaignUpdated, ChangedPositionJson, UpdateReason } from '@cpt/contracts';
import { type CampaignTotals, totalsToJson } from '@cpt/domain';

/** What one committed change did to one campaign. */
export interface CampaignChange {
  campaignId: string;
  /** The campaign's `last_seq` after the change: the event's seq. */
  seq: number;
  version: number;
  reason: UpdateReason;
  /** The positions the change touched, as they are after it, in entry order. */
  changedPositions: readonly ChangedPositionJson[];
  /** The request that caused the change, published with the event as `x-request-id`. */
  requestId: string | null;
}

/** The contract's `campaign_updated` message of a change, with the campaign's totals after it. */
export function campaignUpdated(c: CampaignChange, totals: CampaignTotals): CampaignUpdated {
  return {
    type: 'campaign_updated',
    campaign_id: c.campaignId,
    seq: c.seq,
    version: c.version,
    reason: c.reason,
    totals: totalsToJson(totals),
    changed_positions: [...c.changedPositions],
  };
}
