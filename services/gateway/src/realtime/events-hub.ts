import { EVENT_HEADERS, eventHeadersSchema, eventValuePrefix } from '@cpt/contracts';
import type { Logger } from '@cpt/platform';
import { EventRing } from './event-ring.js';
import { HubEvent, readCampaignUpdated } from './hub-event.js';

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

/** A Kafka message's headers, as kafkajs gives them. */
export type EventMessageHeaders = Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;

const headerText = (v: Buffer | string | (Buffer | string)[] | undefined): string | undefined => {
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
};

const CLOSING_BRACE = 0x7d;

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
}

/** Counters of what the hub received since it started. */
export interface HubStats {
  campaigns: number;
  delivered: number;
  /** Messages taken by their headers, unparsed (counted among `delivered` and `duplicates`). */
  unparsed: number;
  duplicates: number;
  invalid: number;
  gaps: number;
}

/**
 * The gateway's view of `campaign.events`: takes each message by its headers (or validates it
 * whole), drops what it has already seen (a relay may republish), keeps the recent events of each
 * campaign for resume, and hands each new event, as one buffer, to the subscribers of its
 * campaign. A gap (an event lost between Kafka and here) empties the campaign's buffer, since
 * resuming across it would skip the lost change; subscribers notice the gap themselves and fetch
 * a snapshot.
 */
export class EventsHub {
  private readonly streams = new Map<string, CampaignStream>();
  private readonly counts = { delivered: 0, unparsed: 0, duplicates: 0, invalid: 0, gaps: 0 };

  constructor(private readonly opts: EventsHubOptions) {}

  /**
   * Takes one message of `campaign.events`. A message whose headers name its campaign and seq
   * (`EVENT_HEADERS`), as its value begins with them, is taken as it is, unparsed: its bytes go to
   * every subscriber (they are parsed only if a client that fell behind needs them merged). Any
   * other message is parsed and validated whole, and re-serialized.
   */
  ingest(value: Buffer | string | null, origin: MessageOrigin = {}, headers?: EventMessageHeaders): IngestOutcome {
    const event = (headers && this.unparsed(value, headers)) ?? this.parsed(value, origin);
    if (!event) return 'invalid';
    const s = this.stream(event.campaignId);
    if (s.last !== undefined && event.seq <= s.last) {
      this.counts.duplicates++;
      return 'duplicate';
    }
    if (s.last !== undefined && event.seq > s.last + 1) {
      this.counts.gaps++;
      this.opts.log.warn({ ...origin, campaignId: event.campaignId, last: s.last, seq: event.seq }, 'gap in campaign events');
      s.ring.clear();
    }
    s.last = event.seq;
    s.ring.push(event);
    this.counts.delivered++;
    for (const listener of s.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.opts.log.error({ err, campaignId: event.campaignId, seq: event.seq }, 'subscriber failed on an event');
      }
    }
    return 'delivered';
  }

  /** The event of a message whose headers and value agree on its campaign and seq; undefined otherwise. */
  private unparsed(value: Buffer | string | null, headers: EventMessageHeaders): HubEvent | undefined {
    const h = eventHeadersSchema.safeParse({
      [EVENT_HEADERS.campaignId]: headerText(headers[EVENT_HEADERS.campaignId]),
      [EVENT_HEADERS.seq]: headerText(headers[EVENT_HEADERS.seq]),
    });
    if (!h.success || value === null) return undefined;
    const campaignId = h.data[EVENT_HEADERS.campaignId];
    const seq = h.data[EVENT_HEADERS.seq];
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    const prefix = eventValuePrefix(campaignId, seq);
    // The prefix is ASCII: one byte a character.
    if (
      bytes.length <= prefix.length ||
      bytes.toString('latin1', 0, prefix.length) !== prefix ||
      bytes[bytes.length - 1] !== CLOSING_BRACE
    ) {
      return undefined;
    }
    this.counts.unparsed++;
    // A copy: kafkajs hands out views of the whole fetch response, which an event kept for resume
    // would otherwise keep in memory with every other message of it.
    return new HubEvent(campaignId, seq, typeof value === 'string' ? bytes : Buffer.from(bytes));
  }

  /** The event of a message parsed and validated whole; undefined (counted, logged) when it is not one. */
  private parsed(value: Buffer | string | null, origin: MessageOrigin): HubEvent | undefined {
    const parsed = readCampaignUpdated(value);
    if (!parsed.success) {
      this.counts.invalid++;
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
      this.opts.log.warn({ ...origin, issues }, 'invalid campaign event skipped');
      return undefined;
    }
    const e = parsed.data;
    return new HubEvent(e.campaign_id, e.seq, Buffer.from(JSON.stringify(e)), e);
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
