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
    // The per-pattern statistics read an account's CLOSED positions by closing date.
    {
      name: 'positions_closed_account_idx',
      expression: "create index positions_closed_account_idx on positions (account_id, closed_date) where status = 'CLOSED'",
    },
    // The risk check sums an account's OPEN positions (its heat).
    {
      name: 'positions_open_account_idx',
      expression: "create index positions_open_account_idx on positions (account_id) where status = 'OPEN'",
    },
  ],
  checks: [
    { name: 'positions_entry_price_check', expression: 'entry_price > 0' },
    { name: 'positions_shares_check', expression: 'shares > 0' },
    { name: 'positions_stop_loss_check', expression: 'stop_loss > 0' },
    { name: 'positions_initial_stop_check', expression: 'initial_stop > 0' },
    { name: 'positions_entry_fee_check', expression: 'entry_fee >= 0 and fees >= entry_fee' },
    // An OPEN position has shares left and no closing exit; a CLOSED one has sold every share, at
    // a recorded price and date. Partial exits give an OPEN position a realized P&L.
    {
      name: 'positions_check',
      expression:
        "(status = 'OPEN' and closed_date is null and exit_price is null and open_shares > 0) or (status <> 'OPEN' and closed_date is not null and exit_price is not null and realized_pnl is not null and open_shares = 0)",
    },
    { name: 'positions_open_shares_check', expression: 'open_shares >= 0 and open_shares <= shares' },
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
    /** The size at entry. */
    shares: money(),
    /** Shares still held: `shares` less every exit. */
    openShares: money(),
    stopLoss: money(),
    /** The stop at entry; never changes. */
    initialStop: money(),
    /** The risk on the open shares at the current stop (zero once closed). */
    risk: money(),
    /** The risk at entry, on every share at the initial stop. */
    initialRisk: money(),
    entryFee: money(),
    /** The entry fee plus the fees of every exit. */
    fees: money(),
    currentPrice: money(),
    currentPnl: money(),
    status: p.enum([...POSITION_STATUSES]).columnType('varchar(6)'),
    closedDate: p.datetime().length(3).nullable(),
    exitPrice: money().nullable(),
    realizedPnl: money().nullable(),
    markedAt: p.datetime().length(3).nullable(),
    /** Section 8: the first tick at or through the stop (null until then; cleared by a stop moved beyond the price). */
    stopBreachedAt: p.datetime().length(3).nullable(),
    stopBreachPrice: money().nullable(),
    /** LONG the highest, SHORT the lowest price seen while OPEN (section 9). */
    maxFavorablePrice: money(),
    /** LONG the lowest, SHORT the highest price seen while OPEN. */
    maxAdversePrice: money(),
    /** Frozen when the position closes (null while OPEN, when they are derived on read): what statistics average. */
    rMultiple: p.decimal('string').columnType('numeric').nullable(),
    mfeR: p.decimal('string').columnType('numeric').nullable(),
    maeR: p.decimal('string').columnType('numeric').nullable(),
    createdAt: p.datetime().length(3),
    updatedAt: p.datetime().length(3),
  },
});
export type PositionEntity = InferEntity<typeof Position>;
