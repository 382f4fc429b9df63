import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.js';
import { Campaign } from '../campaigns/campaign.entity.js';
import { Position } from '../positions/position.entity.js';

const money = () => p.decimal('string').precision(18).scale(8);

/** One exit of a position: part or all of its open shares sold (or bought back) at a price. Never changed. */
export const Exit = defineEntity({
  name: 'Exit',
  tableName: 'exits',
  indexes: [
    // A position's exits in the contract's order (by date, then id).
    { name: 'exits_position_date_idx', properties: ['position', 'date', 'id'] },
  ],
  checks: [
    { name: 'exits_shares_check', expression: 'shares > 0' },
    { name: 'exits_price_check', expression: 'price > 0' },
    { name: 'exits_fee_check', expression: 'fee >= 0' },
  ],
  properties: {
    id: p.uuid().primary(),
    // Account and campaign on the row, as on positions: every statement is scoped by the account.
    account: () => p.manyToOne(Account).foreignKeyName('exits_account_id_fkey').deleteRule('restrict').updateRule('no action'),
    campaign: () => p.manyToOne(Campaign).foreignKeyName('exits_campaign_id_fkey').deleteRule('restrict').updateRule('no action'),
    position: () => p.manyToOne(Position).foreignKeyName('exits_position_id_fkey').deleteRule('restrict').updateRule('no action'),
    shares: money(),
    price: money(),
    date: p.datetime().length(3),
    fee: money(),
    realizedPnl: money(),
    createdAt: p.datetime().length(3),
  },
});
export type ExitEntity = InferEntity<typeof Exit>;
