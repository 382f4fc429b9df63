/** The contract's Kafka topics. */
export const TOPICS = {
  ticks: 'market.ticks',
  campaignEvents: 'campaign.events',
  ticksDeadLetter: 'market.ticks.dlq',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
