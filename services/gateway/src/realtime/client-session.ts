import { formatPath, safeParseInput, type WsError, type WsResumed, wsClientMessage } from '@cpt/contracts';
import { type ErrorCode, isDomainError } from '@cpt/domain';
import type { Logger } from '@cpt/platform';
import type { RawData } from 'ws';
import type { ClientWriter } from './client-writer.js';
import type { EventsHub } from './events-hub.js';
import type { HubEvent } from './hub-event.js';
import { type Snapshot, SnapshotCancelled, type SnapshotLoader, type SnapshotOwner } from './snapshot-loader.js';

/** Which of the named campaigns belong to the account (one scoped query for a whole subscribe). */
export type CampaignAccess = (accountId: string, campaignIds: readonly string[]) => Promise<Set<string>>;

/** What a session needs besides its socket. */
export interface ClientSessionDeps {
  hub: EventsHub;
  loader: SnapshotLoader;
  access: CampaignAccess;
  /** The account of the connection's key: the only campaigns it may follow. */
  accountId: string;
  /** The most campaigns waiting for their first answer; past it the client is closed (`onOverload`). */
  maxPending: number;
  onOverload: () => void;
  log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Turns adapter errors (a database outage) into domain errors. */
  classifyError: (err: unknown) => unknown;
}

/** One campaign a client follows. */
interface Subscription {
  campaignId: string;
  /** The highest seq sent (or merged into a pending update); -1 before the first answer. */
  last: number;
  /** The client's own last seq, when it asked to resume. */
  resumeFrom: number | undefined;
  /** Until the first answer, and while a snapshot is read, events are held here. */
  loading: boolean;
  held: HubEvent[];
  stop: () => void;
}

const PONG = JSON.stringify({ type: 'pong' });

const textOf = (data: RawData): string =>
  (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');

const contiguousAfter = (seq: number, events: readonly HubEvent[]): boolean => events.every((e, i) => e.seq === seq + 1 + i);

/**
 * The protocol of one connection: parses client messages, keeps the client's subscriptions (of its
 * own account's campaigns only), and answers each campaign with one `snapshot` or `resumed` and
 * then its events, so that the client never gets a seq at or below one it already has, nor misses
 * one (a gap is replaced by a fresh snapshot).
 */
export class ClientSession implements SnapshotOwner {
  /** Whether the client answered the last heartbeat: only a pong counts, not any message. */
  alive = true;
  private readonly subs = new Map<string, Subscription>();
  private closed = false;
  /** Campaigns subscribed and not yet answered. */
  private pending = 0;

  constructor(
    private readonly writer: ClientWriter,
    private readonly deps: ClientSessionDeps,
  ) {}

  get subscriptions(): number {
    return this.subs.size;
  }

  /** The socket has room for a snapshot. */
  ready(): boolean {
    return !this.closed && this.writer.ready();
  }

  onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
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
    const parsed = safeParseInput(wsClientMessage, raw);
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

  /**
   * Sends a fresh snapshot of a followed campaign whose updates could not be merged for the client
   * (an event that is not a valid message): what it was not sent is in the snapshot.
   */
  resync(campaignId: string): void {
    const sub = this.subs.get(campaignId);
    if (this.closed || !sub || sub.loading) return;
    this.deps.log.warn({ campaignId, seq: sub.last }, 'an update could not be merged; sending a fresh snapshot');
    sub.held = [];
    void this.load(sub, true);
  }

  /** Stops every subscription and drops what it waits for; the connection is gone. */
  close(): void {
    this.closed = true;
    for (const sub of this.subs.values()) sub.stop();
    this.subs.clear();
    this.deps.loader.forget(this);
    this.writer.close();
  }

  private subscribe(ids: readonly string[], resume: Record<string, number>): void {
    const resumeOf = new Map(Object.entries(resume).map(([id, seq]) => [id.toLowerCase(), seq]));
    const fresh: Subscription[] = [];
    for (const campaignId of new Set(ids)) {
      const followed = this.subs.get(campaignId);
      if (followed) {
        // Already followed: nothing changes; once answered, say where it stands.
        if (!followed.loading) this.resumed(campaignId, followed.last);
        continue;
      }
      const sub: Subscription = {
        campaignId,
        last: -1,
        resumeFrom: resumeOf.get(campaignId),
        loading: true,
        held: [],
        stop: () => undefined,
      };
      this.subs.set(campaignId, sub);
      // Listening starts before anything is read, so nothing committed from now on can be missed.
      sub.stop = this.deps.hub.subscribe(campaignId, (e) => (sub.loading ? sub.held.push(e) : this.deliver(sub, e)));
      fresh.push(sub);
    }
    if (fresh.length === 0) return;
    this.pending += fresh.length;
    if (this.pending > this.deps.maxPending) {
      this.deps.log.warn({ pending: this.pending }, 'closing a client with too many subscriptions waiting');
      this.deps.onOverload();
      return;
    }
    void this.start(fresh);
  }

  /** Checks the account owns the campaigns, then answers each from the buffer or with a snapshot. */
  private async start(subs: Subscription[]): Promise<void> {
    let owned: Set<string>;
    try {
      owned = await this.deps.access(
        this.deps.accountId,
        subs.map((s) => s.campaignId),
      );
    } catch (err) {
      for (const sub of subs) this.failed(sub, err);
      return;
    }
    for (const sub of subs) {
      if (this.closed || this.subs.get(sub.campaignId) !== sub) continue;
      if (!owned.has(sub.campaignId)) {
        this.drop(sub);
        this.error('not_found', `campaign ${sub.campaignId} not found`, sub.campaignId);
        continue;
      }
      if (sub.resumeFrom !== undefined) {
        const missed = this.deps.hub.replay(sub.campaignId, sub.resumeFrom);
        if (missed) {
          this.answered(sub, sub.resumeFrom);
          this.resumed(sub.campaignId, sub.resumeFrom);
          for (const e of missed) this.deliver(sub, e);
          this.release(sub, sub.held);
          continue;
        }
      }
      void this.load(sub);
    }
  }

  private unsubscribe(campaignId: string): void {
    const sub = this.subs.get(campaignId);
    if (!sub) return;
    this.drop(sub);
    this.writer.drop(campaignId);
  }

  /** Forgets a subscription, and its snapshot read if it has not started. */
  private drop(sub: Subscription): void {
    sub.stop();
    this.subs.delete(sub.campaignId);
    if (sub.last < 0) this.pending--;
    this.deps.loader.cancel(this, this.deps.accountId, sub.campaignId);
  }

  private answered(sub: Subscription, seq: number): void {
    if (sub.last < 0) this.pending--;
    sub.last = seq;
  }

  /** Sends the events held while loading that follow what the client has. */
  private release(sub: Subscription, held: readonly HubEvent[]): void {
    sub.held = [];
    sub.loading = false;
    for (const e of held) this.deliver(sub, e);
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

  /**
   * Reads a snapshot, sends it unless the client already has that state, then what was held. With
   * `resync`, the client has not been sent everything up to `sub.last`: a snapshot at that seq goes.
   */
  private async load(sub: Subscription, resync = false): Promise<void> {
    sub.loading = true;
    let snapshot: Snapshot;
    try {
      snapshot = await this.deps.loader.load(this, this.deps.accountId, sub.campaignId);
    } catch (err) {
      if (err instanceof SnapshotCancelled || this.subs.get(sub.campaignId) !== sub) return;
      this.failed(sub, err);
      return;
    }
    if (this.closed || this.subs.get(sub.campaignId) !== sub) return;
    const held = sub.held.filter((e) => e.seq > snapshot.seq);
    // An event missing between the snapshot and the held ones was lost on the way here, and is
    // already in the database: one more snapshot covers it.
    if (!contiguousAfter(snapshot.seq, held)) {
      sub.held = held;
      return this.load(sub, resync);
    }
    const first = sub.last < 0;
    if (first && sub.resumeFrom === snapshot.seq) {
      // The client resumed and already has this state.
      this.answered(sub, snapshot.seq);
      this.resumed(sub.campaignId, snapshot.seq);
    } else if (first || snapshot.seq > sub.last || (resync && snapshot.seq === sub.last)) {
      this.writer.drop(sub.campaignId);
      this.writer.send(snapshot.bytes);
      this.answered(sub, snapshot.seq);
    }
    this.release(sub, held);
  }

  private failed(sub: Subscription, err: unknown): void {
    if (this.closed || this.subs.get(sub.campaignId) !== sub) return;
    this.drop(sub);
    const campaignId = sub.campaignId;
    const e = this.deps.classifyError(err);
    const code = isDomainError(e) ? e.code : 'internal';
    if (code === 'not_found') {
      this.error('not_found', `campaign ${campaignId} not found`, campaignId);
    } else if (code === 'unavailable') {
      this.deps.log.warn({ err, campaignId }, 'snapshot unavailable');
      this.error('unavailable', `campaign ${campaignId} cannot be read now; subscribe again later`, campaignId);
    } else {
      this.deps.log.error({ err, campaignId }, 'snapshot failed');
      this.error('internal', `campaign ${campaignId} cannot be read`, campaignId);
    }
  }

  private resumed(campaignId: string, seq: number): void {
    const frame: WsResumed = { type: 'resumed', campaign_id: campaignId, seq };
    this.writer.send(JSON.stringify(frame));
  }

  private error(code: ErrorCode, message: string, campaignId?: string): void {
    const frame: WsError =
      campaignId === undefined ? { type: 'error', code, message } : { type: 'error', code, message, campaign_id: campaignId };
    this.writer.send(JSON.stringify(frame));
  }
}
