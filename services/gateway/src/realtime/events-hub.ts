import { campaignUpdatedSchema } from '@cpt/contracts';
import type { Logger } from '@cpt/platform';
import { type ChangeShape, changeShape, covers } from './conflated-update.js';
import { EventRing } from './event-ring.js';
import { HubEvent } from './hub-event.js';

/** Called with each new event of a campaign, in seq order. */
export type HubListener = (e: HubEvent) => void;

/** The hub's logger and the size of its per-campaign buffer. */
export interface EventsHubOptions {
  log: Logger;
  /** Recent events kept per campaign for resume. */
  bufferEvents: number;
  /** The most bytes of recent events kept per campaign. */
  bufferBytes: number;
}

/** What became of one message. */
export type IngestOutcome = 'delivered' | 'duplicate' | 'invalid';

/** Where a message came from, for the log. */
export interface MessageOrigin {
  partition?: number;
  offset?: string;
}

interface CampaignStream {
  /** The highest seq seen, or undefined before the first event. */
  last: number | undefined;
  ring: EventRing;
  listeners: Set<HubListener>;
  /** The changes of the last event (seq `last`), to tell whether the next one covers it. */
  lastShape?: { coversFrom: number; change: ChangeShape } | undefined;
}

/** Counters of what the hub received since it started. */
export interface HubStats {
  campaigns: number;
  delivered: number;
  duplicates: number;
  invalid: number;
  gaps: number;
}

/**
 * The gateway's view of `campaign.events`: validates each message, drops what it has already
 * seen (a relay may republish), keeps the recent events of each campaign for resume, and hands
 * each new event, serialized once, to the subscribers of its campaign. A gap (an event lost
 * between Kafka and here) empties the campaign's buffer, since resuming across it would skip
 * the lost change; subscribers notice the gap themselves and fetch a snapshot.
 */
export class EventsHub {
  private readonly streams = new Map<string, CampaignStream>();
  private readonly counts = { delivered: 0, duplicates: 0, invalid: 0, gaps: 0 };

  constructor(private readonly opts: EventsHubOptions) {}

  /** Takes one message value of `campaign.events`. */
  ingest(value: Buffer | string | null, origin: MessageOrigin = {}): IngestOutcome {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof value === 'string' ? value : (value?.toString('utf8') ?? ''));
    } catch {
      raw = undefined;
    }
    const parsed = campaignUpdatedSchema.safeParse(raw);
    if (!parsed.success) {
      this.counts.invalid++;
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
      this.opts.log.warn({ ...origin, issues }, 'invalid campaign event skipped');
      return 'invalid';
    }
    const e = parsed.data;
    const s = this.stream(e.campaign_id);
    if (s.last !== undefined && e.seq <= s.last) {
      this.counts.duplicates++;
      return 'duplicate';
    }
    if (s.last !== undefined && e.seq > s.last + 1) {
      this.counts.gaps++;
      this.opts.log.warn({ ...origin, campaignId: e.campaign_id, last: s.last, seq: e.seq }, 'gap in campaign events');
      s.ring.clear();
    }
    // Whether the event covers the ones before it, judged once here for every subscriber that fell
    // behind; only while the campaign has subscribers (one that resumes later merges what it missed).
    let coversFrom = e.seq;
    if (s.listeners.size > 0) {
      const change = changeShape(e);
      const prev = s.lastShape;
      if (prev && s.last === e.seq - 1 && covers(change, prev.change)) coversFrom = prev.coversFrom;
      s.lastShape = { coversFrom, change };
    } else s.lastShape = undefined;
    const event = new HubEvent(e.campaign_id, e.seq, Buffer.from(JSON.stringify(e)), coversFrom);
    s.last = e.seq;
    s.ring.push(event);
    this.counts.delivered++;
    for (const listener of s.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.opts.log.error({ err, campaignId: e.campaign_id, seq: e.seq }, 'subscriber failed on an event');
      }
    }
    return 'delivered';
  }

  /** Calls `listener` with every later event of the campaign; returns the way to stop. */
  subscribe(campaignId: string, listener: HubListener): () => void {
    const s = this.stream(campaignId);
    s.listeners.add(listener);
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size === 0 && s.last === undefined) this.streams.delete(campaignId);
    };
  }

  /**
   * The events after `afterSeq`, when the buffer holds every one of them up to the last seen;
   * undefined when it does not (the caller then sends a snapshot).
   */
  replay(campaignId: string, afterSeq: number): HubEvent[] | undefined {
    const s = this.streams.get(campaignId);
    if (s?.last === undefined || afterSeq > s.last) return undefined;
    if (afterSeq === s.last) return [];
    const first = s.ring.firstSeq();
    if (first === undefined || first > afterSeq + 1) return undefined;
    return s.ring.after(afterSeq);
  }

  /** The highest seq seen for the campaign. */
  lastSeq(campaignId: string): number | undefined {
    return this.streams.get(campaignId)?.last;
  }

  stats(): HubStats {
    return { campaigns: this.streams.size, ...this.counts };
  }

  private stream(campaignId: string): CampaignStream {
    let s = this.streams.get(campaignId);
    if (!s) {
      s = { last: undefined, ring: new EventRing(this.opts.bufferEvents, this.opts.bufferBytes), listeners: new Set() };
      this.streams.set(campaignId, s);
    }
    return s;
  }
}
