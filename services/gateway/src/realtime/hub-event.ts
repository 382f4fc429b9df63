import { type CampaignUpdated, campaignUpdatedSchema } from '@cpt/contracts';
import { type ChangeShape, changeShape } from './change-shape.js';

/** A message value parsed as JSON and checked against the contract's `campaign_updated` schema. */
export function readCampaignUpdated(value: Buffer | string | null): ReturnType<typeof campaignUpdatedSchema.safeParse> {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof value === 'string' ? value : (value?.toString('utf8') ?? ''));
  } catch {
    raw = undefined;
  }
  return campaignUpdatedSchema.safeParse(raw);
}

/**
 * One `campaign_updated` event, whose bytes go to every subscriber as they are. An event that came
 * with its campaign and seq as headers is forwarded unparsed; it is parsed, and validated, only
 * when something needs its content (merging the updates of a client that fell behind).
 */
export class HubEvent {
  private parsed: CampaignUpdated | null | undefined;
  private shaped: ChangeShape | null | undefined;

  constructor(
    readonly campaignId: string,
    readonly seq: number,
    /** The WebSocket frame's payload: the same bytes go to every subscriber. */
    readonly bytes: Buffer,
    /** The event as an object, when whoever built this already has it. */
    parsed?: CampaignUpdated,
  ) {
    this.parsed = parsed;
  }

  /**
   * The event as an object, parsed and validated on first use; null when its bytes are not a valid
   * `campaign_updated` message of this campaign and seq.
   */
  event(): CampaignUpdated | null {
    if (this.parsed === undefined) {
      const r = readCampaignUpdated(this.bytes);
      this.parsed = r.success && r.data.campaign_id === this.campaignId && r.data.seq === this.seq ? r.data : null;
    }
    return this.parsed;
  }

  /** What it changed, for telling whether it covers an earlier event; null when it cannot be read. */
  shape(): ChangeShape | null {
    if (this.shaped === undefined) {
      const e = this.event();
      this.shaped = e ? changeShape(e) : null;
    }
    return this.shaped;
  }
}
