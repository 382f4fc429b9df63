import { CAMPAIGN_STATUSES, PATTERN_TYPES, POSITION_STATUSES, SIDES, TIMEFRAMES } from '@cpt/domain';
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/** A Wyckoff campaign: staged entries into one instrument. `lastSeq` numbers its events. */
export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    symbol: p.string().length(32),
    timeframe: p.enum([...TIMEFRAMES]),
    side: p.enum([...SIDES]),
    status: p.enum([...CAMPAIGN_STATUSES]),
    version: p.integer(),
    lastSeq: p.bigint('number'),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type CampaignEntity = InferEntity<typeof Campaign>;

/** One entry of a campaign; closed positions are kept forever. */
export const Position = defineEntity({
  name: 'Position',
  tableName: 'positions',
  properties: {
    id: p.uuid().primary(),
    campaign: () => p.manyToOne(Campaign).deleteRule('restrict'),
    signalId: p.uuid().nullable(),
    symbol: p.string().length(32),
    timeframe: p.enum([...TIMEFRAMES]),
    patternType: p.enum([...PATTERN_TYPES]),
    entryDate: p.datetime(),
    entryPrice: p.decimal('string').precision(18).scale(8),
    shares: p.decimal('string').precision(18).scale(8),
    stopLoss: p.decimal('string').precision(18).scale(8),
    risk: p.decimal('string').precision(18).scale(8),
    currentPrice: p.decimal('string').precision(18).scale(8),
    currentPnl: p.decimal('string').precision(18).scale(8),
    status: p.enum([...POSITION_STATUSES]),
    closedDate: p.datetime().nullable(),
    exitPrice: p.decimal('string').precision(18).scale(8).nullable(),
    realizedPnl: p.decimal('string').precision(18).scale(8).nullable(),
    markedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type PositionEntity = InferEntity<typeof Position>;

/**
 * The transactional outbox: one `campaign_updated` event per committed change, written in the
 * same transaction as the change; the relay publishes it to Kafka, then deletes the row.
 */
export const CampaignEvent = defineEntity({
  name: 'CampaignEvent',
  tableName: 'campaign_events',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    campaignId: p.uuid(),
    seq: p.bigint('number'),
    payload: p.json<Record<string, unknown>>(),
    requestId: p.string().length(200).nullable(),
    createdAt: p.datetime(),
  },
});
export type CampaignEventEntity = InferEntity<typeof CampaignEvent>;

export const ENTITIES = [Campaign, Position, CampaignEvent];
