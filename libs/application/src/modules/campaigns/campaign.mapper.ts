import type { CampaignJson } from '@cpt/contracts';
import { type RowOf, rowShape } from '../../db/row-shape.js';

/** A campaign's columns, row and JSON, defined once (see the position's shape). */
export const CAMPAIGN = rowShape<CampaignJson>()({
  id: 'value',
  name: 'value',
  symbol: 'value',
  timeframe: 'value',
  side: 'value',
  status: 'value',
  version: 'value',
  auto_exit_on_stop: 'value',
  created_at: 'timestamp',
  updated_at: 'timestamp',
});

/** A campaign row: its contract fields and the seq of its last event. */
export type CampaignRow = RowOf<CampaignJson, typeof CAMPAIGN.fields> & { last_seq: string | number };

/** The select list of a campaign row (alias `c`). */
export const CAMPAIGN_COLUMNS = `${CAMPAIGN.columns('c')}, c.last_seq`;

/** The contract's Campaign from a row, whether a command or a read produced it. */
export const campaignJson = (row: CampaignRow): CampaignJson => CAMPAIGN.toJson(row);
