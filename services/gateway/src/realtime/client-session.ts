import { formatPath, type WsError, wsClientMessage } from '@cpt/contracts';
import { type ErrorCode, isDomainError } from '@cpt/domain';
import type { Logger } from '@cpt/platform';
import type { RawData } from 'ws';
import type { ClientWriter } from './client-writer.js';
import type { EventsHub } from './events-hub.js';
import type { HubEvent } from './hub-event.js';
import type { SnapshotLoader } from './snapshot-loader.js';

/** What a session needs besides its socket. */
export interface ClientSessionDeps {
  hub: EventsHub;
  loader: SnapshotLoader;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Turns adapter errors (a database outage) into domain errors. */
  classifyError: (err: unknown) => unknown;
}

/** One campaign a client follows. */
interface Subscription {
  campaignId: string;
  /** The highest seq sent (or merged into a pending update); -1 before the first snapshot. */
  last: number;
  /** The client's own last seq, when its resume could not be served from the buffer. */
  resumedFrom: number | undefined;
  /** While a snapshot is read, events are held here, to be sent after it when they are newer. */
  loading: boolean;
  held: HubEvent[];
  stop: () => void;
}

const PONG = JSON.stringify({ type: 'pong' });

const textOf = (data: RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

const contiguousAfter = (seq: number, events: readonly HubEvent[]): boolean => events.every((e, i) => e.seq === seq + 1 + i);

/**
 * The protocol of one connection: parses client messages, keeps the client's subscriptions, and
 * sends each campaign's snapshot and then its events so that the client never gets a seq at or
 * below one it already has, nor misses one (a gap is replaced by a fresh snapshot).
 */
export class ClientSession {
  /** Whether the client showed a sign of life since the last heartbeat. */
  alive = true;
  private readonly subs = new Map<string, Subscription>();
  private closed = false;

  constructor(
    private readonly writer: ClientWriter,
    private readonly deps: ClientSessionDeps,
  ) {}

  get subscriptions(): number {
    return this.subs.size;
  }

  onMessage(data: RawData, isBinary: boolean): void {
    this.alive = true;
    if (isBinary) {
      this.error('bad_request', 'messages must be JSON text frames');
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(textOf(data));
    } catch {
      this.error('bad_request', 'message is not valid JSON');
      return;
    }
    const parsed = wsClientMessage.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${formatPath(i.path) || 'message'}: ${i.message}`);
      this.error('validation_failed', `message is not valid: ${issues.join('; ')}`);
      return;
    }
    const m = parsed.data;
    if (m.type === 'ping') this.writer.send(PONG);
    else if (m.type === 'subscribe') this.subscribe(m.campaign_ids, m.resume ?? {});
    else for (const id of m.campaign_ids) this.unsubscribe(id);
  }

  /** Stops every subscription; the connection is gone. */
  close(): void {
    this.closed = true;
    for (const sub of this.subs.values()) sub.stop();
    this.subs.clear();
    this.writer.close();
  }

  private subscribe(ids: readonly string[], resume: Record<string, number>): void {
    const resumeOf = new Map(Object.entries(resume).map(([id, seq]) => [id.toLowerCase(), seq]));
    for (const campaignId of new Set(ids)) {
      if (this.subs.has(campaignId)) continue;
      const sub: Subscription = { campaignId, last: -1, resumedFrom: undefined, loading: false, held: [], stop: () => undefined };
      this.subs.set(campaignId, sub);
      sub.stop = this.deps.hub.subscribe(campaignId, (e) => (sub.loading ? sub.held.push(e) : this.deliver(sub, e)));
      const lastSeq = resumeOf.get(campaignId);
      if (lastSeq !== undefined) {
        const missed = this.deps.hub.replay(campaignId, lastSeq);
        if (missed) {
          sub.last = lastSeq;
          for (const e of missed) this.deliver(sub, e);
          continue;
        }
        sub.resumedFrom = lastSeq;
      }
      void this.load(sub);
    }
  }

  private unsubscribe(campaignId: string): void {
    const sub = this.subs.get(campaignId);
    if (!sub) return;
    sub.stop();
    this.subs.delete(campaignId);
    this.writer.drop(campaignId);
  }

  private deliver(sub: Subscription, e: HubEvent): void {
    if (e.seq <= sub.last) return;
    if (e.seq > sub.last + 1) {
      this.deps.log.info({ campaignId: sub.campaignId, last: sub.last, seq: e.seq }, 'gap before an event; sending a fresh snapshot');
      sub.held = [e];
      void this.load(sub);
      return;
    }
    sub.last = e.seq;
    this.writer.sendEvent(e);
  }

  /** Reads a snapshot, sends it unless the client already has that state, then what was held. */
  private async load(sub: Subscription): Promise<void> {
    sub.loading = true;
    let snapshot: Awaited<ReturnType<SnapshotLoader['load']>>;
    try {
      snapshot = await this.deps.loader.load(sub.campaignId);
    } catch (err) {
      if (this.subs.get(sub.campaignId) !== sub) return;
      this.unsubscribe(sub.campaignId);
      this.loadFailed(sub.campaignId, err);
      return;
    }
    if (this.closed || this.subs.get(sub.campaignId) !== sub) return;
    const held = sub.held.filter((e) => e.seq > snapshot.seq);
    // An event missing between the snapshot and the held ones was lost on the way here, and is
    // already in the database: one more snapshot covers it.
    if (!contiguousAfter(snapshot.seq, held)) {
      sub.held = held;
      return this.load(sub);
    }
    sub.held = [];
    sub.loading = false;
    const upToDate = sub.last >= 0 ? snapshot.seq <= sub.last : sub.resumedFrom === snapshot.seq;
    sub.resumedFrom = undefined;
    if (!upToDate) {
      this.writer.drop(sub.campaignId);
      this.writer.send(snapshot.bytes);
      sub.last = snapshot.seq;
    } else if (sub.last < 0) {
      sub.last = snapshot.seq;
    }
    for (const e of held) this.deliver(sub, e);
  }

  private loadFailed(campaignId: string, err: unknown): void {
    const e = this.deps.classifyError(err);
    const code = isDomainError(e) ? e.code : 'internal';
    if (code === 'not_found') {
      this.error('not_found', `campaign ${campaignId} not found`);
    } else if (code === 'unavailable') {
      this.deps.log.warn({ err, campaignId }, 'snapshot unavailable');
      this.error('unavailable', `campaign ${campaignId} cannot be read now; subscribe again later`);
    } else {
      this.deps.log.error({ err, campaignId }, 'snapshot failed');
      this.error('internal', `campaign ${campaignId} cannot be read`);
    }
  }

  private error(code: ErrorCode, message: string): void {
    const frame: WsError = { type: 'error', code, message };
    this.writer.send(JSON.stringify(frame));
  }
}
