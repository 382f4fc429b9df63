import { PATTERN_TYPES, POSITION_STATUSES, TIMEFRAMES } from '@cpt/domain';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.js';
import { Campaign } from '../campaigns/campaign.entity.js';

const money = () => p.decimal('string').precision(18).scale(8);

/** One entry of a campaign; closed positions are kept forever. */
export const Position = defineEntity({
  name: 'Position',
  tableName: 'positions',
  indexes: [
    { name: 'positions_campaign_status_idx', properties: ['campaign', 'status'] },
    { name: 'positions_campaign_entry_idx', properties: ['campaign', 'entryDate', 'id'] },
    // Partial: the marks look up a symbol's OPEN positions only (an expression, so compared by name).
    { name: 'positions_open_symbol_idx', expression: "create index positions_open_symbol_idx on positions (symbol) where status = 'OPEN'" },
  ],
  checks: [
    { name: 'positions_entry_price_check', expression: 'entry_price > 0' },
    { name: 'positions_shares_check', expression: 'shares > 0' },
    { name: 'positions_stop_loss_check', expression: 'stop_loss > 0' },
    // An OPEN position has no exit; a CLOSED one has all of it.
    {
      name: 'positions_check',
      expression: "(status = 'OPEN') = (closed_date is null and exit_price is null and realized_pnl is null)",
    },
  ],
  properties: {
    id: p.uuid().primary(),
    // The campaign's account, kept on the row so that every statement on positions is scoped to
    // the caller's account by a bound parameter of its own.
    account: () => p.manyToOne(Account).foreignKeyName('positions_account_id_fkey').deleteRule('restrict').updateRule('no action'),
    campaign: () => p.manyToOne(Campaign).foreignKeyName('positions_campaign_id_fkey').deleteRule('restrict').updateRule('restrict'),
    signalId: p.uuid().nullable(),
    symbol: p.string().length(32),
    timeframe: p.enum([...TIMEFRAMES]).columnType('varchar(3)'),
    patternType: p.enum([...PATTERN_TYPES]).columnType('varchar(6)'),
    entryDate: p.datetime().length(3),
    entryPrice: money(),
    shares: money(),
    stopLoss: money(),
    risk: money(),
    currentPrice: money(),
    currentPnl: money(),
    status: p.enum([...POSITION_STATUSES]).columnType('varchar(6)'),
    closedDate: p.datetime().length(3).nullable(),
    exitPrice: money().nullable(),
    realizedPnl: money().nullable(),
    markedAt: p.datetime().length(3).nullable(),
    createdAt: p.datetime().length(3),
    updatedAt: p.datetime().length(3),
  },
});
export type PositionEntity = InferEntity<typeof Position>;
