import { CAMPAIGN_STATUSES, SIDES, TIMEFRAMES } from '@cpt/domain';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.js';

/** A Wyckoff campaign: staged entries into one instrument. `lastSeq` numbers its events. */
export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  // Written as expressions because they sort descending (newest first, as the listing reads them);
  // the schema comparison matches expression indexes by name.
  indexes: [
    // A batch of marks locks the campaigns of its symbols (section 6: a mark is per symbol).
    { name: 'campaigns_symbol_idx', expression: 'create index campaigns_symbol_idx on campaigns (symbol)' },
    {
      name: 'campaigns_account_list_idx',
      expression: 'create index campaigns_account_list_idx on campaigns (account_id, created_at desc, id desc)',
    },
    {
      name: 'campaigns_account_status_list_idx',
      expression: 'create index campaigns_account_status_list_idx on campaigns (account_id, status, created_at desc, id desc)',
    },
  ],
  checks: [{ name: 'campaigns_version_check', expression: 'version >= 1' }],
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account).foreignKeyName('campaigns_account_id_fkey').deleteRule('restrict').updateRule('no action'),
    name: p.string().length(200),
    symbol: p.string().length(32),
    timeframe: p.enum([...TIMEFRAMES]).columnType('varchar(3)'),
    side: p.enum([...SIDES]).columnType('varchar(5)'),
    status: p.enum([...CAMPAIGN_STATUSES]).columnType('varchar(6)'),
    version: p.integer(),
    /** Section 8: a tick at or through a position's stop exits it at that tick's price. */
    autoExitOnStop: p.boolean().default(false),
    lastSeq: p.bigint('number').default(0),
    createdAt: p.datetime().length(3),
    updatedAt: p.datetime().length(3),
  },
});
export type CampaignEntity = InferEntity<typeof Campaign>;
