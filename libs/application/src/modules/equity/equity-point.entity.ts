import { EQUITY_INTERVALS } from '@cpt/contracts';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.js';
import { Campaign } from '../campaigns/campaign.entity.js';

const money = () => p.decimal('string').precision(18).scale(8);

/**
 * A campaign's totals at the end of one bucket of one resolution (`1m`, `1h`, `1d`): the totals
 * after the last change committed in it. Every committed change upserts the bucket of each
 * resolution it falls in, in its own transaction.
 */
export const EquityPoint = defineEntity({
  name: 'EquityPoint',
  tableName: 'campaign_equity',
  indexes: [
    // An account's curve: every campaign's points of one resolution in a time range.
    { name: 'campaign_equity_account_idx', properties: ['account', 'resolution', 'bucket'] },
    // Retention: the old points of a resolution.
    { name: 'campaign_equity_resolution_bucket_idx', properties: ['resolution', 'bucket'] },
  ],
  properties: {
    campaign: () =>
      p.manyToOne(Campaign).primary().foreignKeyName('campaign_equity_campaign_id_fkey').deleteRule('cascade').updateRule('no action'),
    resolution: p
      .enum([...EQUITY_INTERVALS])
      .columnType('varchar(2)')
      .primary(),
    bucket: p.datetime().length(3).primary(),
    account: () => p.manyToOne(Account).foreignKeyName('campaign_equity_account_id_fkey').deleteRule('cascade').updateRule('no action'),
    /** When the change it holds was committed. */
    at: p.datetime().length(3),
    totalPnl: money(),
    netPnl: money(),
    realizedPnl: money(),
    unrealizedPnl: money(),
    totalRisk: money(),
  },
});
export type EquityPointEntity = InferEntity<typeof EquityPoint>;
