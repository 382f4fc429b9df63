import { createHash } from 'node:crypto';
import type { CampaignUpdated, WsSnapshot } from '@cpt/contracts';
import { LiveClient, parseServerMessage, type ServerMessage, type SocketLike } from '@cpt/realtime-client';
import WebSocket from 'ws';

/** JSON with every object's keys sorted: two equal values give the same text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export const digest = (v: unknown): string => createHash('sha1').update(canonical(v)).digest('hex').slice(0, 20);

/** What one client saw of one campaign over the whole run. */
export interface Track {
  campaignId: string;
  /** The connection the fields below belong to. */
  conn: number;
  answered: boolean;
  /** The last seq received on this connection (-1 before the first answer). */
  last: number;
  /** The seq the client held when the connection opened (what it resumed from). */
  held: number | undefined;
  /** Updates received right after the one before (seq + 1): their seq and digest. */
  contiguous: [number, string][];
  /** Updates whose seq skipped: allowed only when they merge the skipped ones (conflation). */
  skips: { after: number; update: CampaignUpdated }[];
  /** Snapshots sent on a connection that had already answered (the gateway replacing a gap). */
  gapSnapshots: { after: number; seq: number }[];
  counts: { initial: number; resumedFromBuffer: number; resumedBySnapshot: number; errors: number };
  /** Breaches of section 3, in words. */
  anomalies: string[];
}

export interface WsWatcherOptions {
  name: string;
  key: string;
  campaignIds: readonly string[];
  /** The gateways' base URLs, by index from 0. */
  gateways: readonly string[];
  /** The gateway it connects to first (index from 0). */
  home: number;
  /** Whether each reconnection goes to the next gateway rather than back home. */
  roaming: boolean;
  /** Called with every mark (its tick's ts) a message carries, and the gateway it came through. */
  onMark: (gateway: number, campaignId: string, markTs: number) => void;
}

/**
 * A subscriber of every campaign of an account, on the contract's client library (resume with
 * back-off after a drop), that checks each frame against section 3 as it arrives: one `snapshot`
 * or `resumed` per campaign per connection first, then seq strictly increasing; a `resumed` echoes
 * the seq the client held; a snapshot after a reconnect never goes back in time.
 */
export class WsWatcher {
  readonly tracks = new Map<string, Track>();
  readonly closes: number[] = [];
  readonly invalid: string[] = [];
  frames = 0;
  connections = 0;
  private opened = 0;
  private gateway = 0;
  private pendingGateway = 0;
  readonly client: LiveClient;

  constructor(private readonly o: WsWatcherOptions) {
    for (const campaignId of o.campaignIds) {
      this.tracks.set(campaignId, {
        campaignId,
        conn: 0,
        answered: false,
        last: -1,
        held: undefined,
        contiguous: [],
        skips: [],
        gapSnapshots: [],
        counts: { initial: 0, resumedFromBuffer: 0, resumedBySnapshot: 0, errors: 0 },
        anomalies: [],
      });
    }
    this.client = new LiveClient({
      openSocket: () => {
        const idx = this.o.roaming ? (this.o.home + this.opened) % this.o.gateways.length : this.o.home;
        this.opened++;
        this.pendingGateway = idx;
        const url = `${(this.o.gateways[idx] as string).replace(/^http/, 'ws')}/api/v1/ws`;
        return new WebSocket(url, { headers: { authorization: `Bearer ${this.o.key}` } }) as unknown as SocketLike;
      },
      parse: (text) => this.receive(text),
      backoff: { initialMs: 100, maxMs: 1000 },
    });
    this.client.on('open', () => {
      this.connections++;
      this.gateway = this.pendingGateway;
      for (const t of this.tracks.values()) {
        t.conn = this.connections;
        t.answered = false;
        t.last = -1;
        t.held = this.client.state(t.campaignId)?.seq;
      }
    });
    this.client.on('close', (code) => this.closes.push(code));
  }

  get name(): string {
    return this.o.name;
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.client.subscribe(this.o.campaignIds);
  }

  /** Whether every campaign's state is at the given seq. */
  at(lastSeq: ReadonlyMap<string, number>): boolean {
    return this.o.campaignIds.every((id) => this.client.state(id)?.seq === lastSeq.get(id));
  }

  private receive(text: string): ServerMessage {
    this.frames++;
    try {
      parseServerMessage(text, true);
    } catch (err) {
      this.invalid.push(`${text.slice(0, 200)}: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
      throw err;
    }
    // The client library applies the frame as sent (as the e2e tests' probes do), not the schema's parse of it.
    const m = JSON.parse(text) as ServerMessage;
    this.observe(m);
    return m;
  }

  private observe(m: ServerMessage): void {
    if (m.type === 'pong') return;
    const t = m.campaign_id ? this.tracks.get(m.campaign_id) : undefined;
    if (m.type === 'error') {
      if (!t) {
        this.invalid.push(`error frame ${m.code}: ${m.message}`);
        return;
      }
      t.counts.errors++;
      t.anomalies.push(`error frame ${m.code}: ${m.message}`);
      // The server dropped the subscription: follow the campaign again, from a snapshot.
      setTimeout(() => {
        this.client.unsubscribe([t.campaignId]);
        Object.assign(t, { answered: false, last: -1, held: undefined });
        this.client.subscribe([t.campaignId]);
      }, 1000);
      return;
    }
    if (!t) {
      this.invalid.push(`a frame of a campaign not subscribed: ${m.campaign_id}`);
      return;
    }
    if (m.type === 'snapshot') this.snapshot(t, m);
    else if (m.type === 'resumed') {
      if (t.answered) t.anomalies.push(`resumed ${m.seq} on connection ${t.conn} after its first answer`);
      else if (m.seq !== t.held) t.anomalies.push(`resumed ${m.seq} on connection ${t.conn}, but the client held ${t.held}`);
      t.answered = true;
      t.counts.resumedFromBuffer++;
      t.last = m.seq;
    } else this.update(t, m);
  }

  private snapshot(t: Track, m: WsSnapshot): void {
    if (!t.answered) {
      t.answered = true;
      if (t.held === undefined) t.counts.initial++;
      else {
        t.counts.resumedBySnapshot++;
        if (m.seq < t.held) t.anomalies.push(`snapshot ${m.seq} after a reconnect, below the ${t.held} the client held`);
      }
    } else {
      if (m.seq <= t.last) t.anomalies.push(`snapshot ${m.seq} after ${t.last} on connection ${t.conn}`);
      t.gapSnapshots.push({ after: t.last, seq: m.seq });
    }
    t.last = m.seq;
    if (m.data.as_of) this.o.onMark(this.gateway, t.campaignId, Date.parse(m.data.as_of));
  }

  private update(t: Track, m: CampaignUpdated): void {
    if (!t.answered) t.anomalies.push(`update ${m.seq} before the snapshot or resumed on connection ${t.conn}`);
    if (m.seq <= t.last) t.anomalies.push(`update ${m.seq} after ${t.last} on connection ${t.conn}`);
    else if (m.seq === t.last + 1) t.contiguous.push([m.seq, digest(m)]);
    else t.skips.push({ after: t.last, update: m });
    t.last = Math.max(t.last, m.seq);
    if (m.totals.as_of) this.o.onMark(this.gateway, t.campaignId, Date.parse(m.totals.as_of));
  }
}
