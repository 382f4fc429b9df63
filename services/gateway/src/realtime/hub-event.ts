import type { CampaignUpdated } from '@cpt/contracts';

/** One validated `campaign_updated` event, serialized once for every subscriber. */
export class HubEvent {
  private parsed: CampaignUpdated | undefined;

  constructor(
    readonly campaignId: string,
    readonly seq: number,
    /** The WebSocket frame's payload: the same bytes go to every subscriber. */
    readonly bytes: Buffer,
    /**
     * The lowest seq this event covers: merging the campaign's events from that seq up to this one
     * (as `ConflatedUpdate` merges) gives this event's own content. Its own seq when it covers
     * nothing before it.
     */
    readonly coversFrom: number = seq,
  ) {}

  /** The event as an object, parsed on first use: only conflation needs it. */
  event(): CampaignUpdated {
    this.parsed ??= JSON.parse(this.bytes.toString('utf8')) as CampaignUpdated;
    return this.parsed;
  }
}
