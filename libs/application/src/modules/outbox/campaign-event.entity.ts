import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Campaign } from '../campaigns/campaign.entity.js';

/**
 * The transactional outbox: one `campaign_updated` event per committed change, written in the
 * same transaction as the change; the relay publishes it to Kafka, then deletes the row.
 */
export const CampaignEvent = defineEntity({
  name: 'CampaignEvent',
  tableName: 'campaign_events',
  uniques: [{ name: 'campaign_events_campaign_id_seq_key', properties: ['campaign', 'seq'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    campaign: () => p.manyToOne(Campaign).foreignKeyName('campaign_events_campaign_id_fkey').deleteRule('restrict').updateRule('no action'),
    seq: p.bigint('number'),
    /** The event's JSON text, as it goes on the wire. */
    payload: p.text(),
    requestId: p.string().length(200).nullable(),
    createdAt: p.datetime().length(3),
  },
});
export type CampaignEventEntity = InferEntity<typeof CampaignEvent>;
