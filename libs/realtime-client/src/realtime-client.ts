import { type CampaignUpdated, MAX_CAMPAIGNS_PER_SUBSCRIBE, type WsClientMessage, type WsError, type WsResumed } from '@cpt/contracts';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { applyUpdate, type CampaignState, stateFromSnapshot } from './campaign-state.js';
import { Listeners } from './listeners.js';
import { parseServerMessage, type ServerMessage, textOf } from './server-message.js';

/** How a {@link RealtimeClient} connects and reconnects. */
export interface RealtimeClientOptions {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:8080/api/v1/ws`. */
  url: string;
  /** The API key (scope `campaigns:read`), sent as `Authorization: Bearer` on every connection. */
  apiKey?: string;
  /** Reconnect after the connection drops, with back-off, resuming every campaign (default true). */
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** Check every server message against the contract's schemas (default true). */
  validate?: boolean;
  /** Drop the connection and reconnect when nothing, not even a ping, came for this long (default 0: never). */
  idleTimeoutMs?: number;
  /** Passed to the `ws` constructor (headers, agent, ...). */
  wsOptions?: ClientOptions;
}

/** What a client reports to its listeners. */
export interface RealtimeClientEvents {
  open: [];
  close: [code: number, reason: string];
  reconnecting: [attempt: number, delayMs: number];
  /** A campaign's state was replaced by a snapshot. */
  snapshot: [state: CampaignState];
  /** An update was applied; updates at or below the state's seq are ignored and not reported. */
  update: [state: CampaignState, update: CampaignUpdated];
  /** The server resumed a campaign from the client's last seq; the missed updates follow. */
  resumed: [resumed: WsResumed];
  /** The server answered with an error frame: a malformed message or an unknown campaign. */
  error: [error: WsError];
  pong: [];
  /** Every server message, before it is applied. */
  message: [message: ServerMessage];
}

/**
 * A client of the gateway's `GET /api/v1/ws`: keeps the state of each subscribed campaign from its
 * snapshot and updates, and after a dropped connection reconnects with exponential back-off and
 * resumes each campaign from the last seq it holds.
 */
export class RealtimeClient {
  private readonly listeners = new Listeners<RealtimeClientEvents>();
  private readonly wanted = new Set<string>();
  private readonly stateOf = new Map<string, CampaignState>();
  private readonly backoff: BackoffOptions;
  private ws: WebSocket | undefined;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: RealtimeClientOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  }

  on<K extends keyof RealtimeClientEvents>(event: K, listener: (...args: RealtimeClientEvents[K]) => void): () => void {
    return this.listeners.on(event, listener);
  }

  /** Opens the connection; resolves once it is open (retrying meanwhile, when reconnecting is on). */
  connect(): Promise<void> {
    this.stopped = false;
    return new Promise((resolve, reject) => {
      const offOpen = this.on('open', () => {
        offOpen();
        offClose();
        resolve();
      });
      const offClose = this.on('close', (code, reason) => {
        if (this.opts.reconnect !== false) return;
        offOpen();
        offClose();
        reject(new Error(`connection closed (${code} ${reason})`));
      });
      this.open();
    });
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Follows campaigns: each gets a snapshot, then its updates. */
  subscribe(campaignIds: readonly string[]): void {
    const added = campaignIds.map((id) => id.toLowerCase()).filter((id) => !this.wanted.has(id));
    for (const id of added) this.wanted.add(id);
    this.sendSubscribe(added);
  }

  unsubscribe(campaignIds: readonly string[]): void {
    const removed = campaignIds.map((id) => id.toLowerCase()).filter((id) => this.wanted.delete(id));
    for (const id of removed) this.stateOf.delete(id);
    for (let i = 0; i < removed.length; i += MAX_CAMPAIGNS_PER_SUBSCRIBE) {
      this.send({ type: 'unsubscribe', campaign_ids: removed.slice(i, i + MAX_CAMPAIGNS_PER_SUBSCRIBE) });
    }
  }

  ping(): void {
    this.send({ type: 'ping' });
  }

  /** The state of a campaign, once its snapshot arrived. */
  state(campaignId: string): CampaignState | undefined {
    return this.stateOf.get(campaignId.toLowerCase());
  }

  states(): ReadonlyMap<string, CampaignState> {
    return this.stateOf;
  }

  /** Closes the connection for good (no reconnect); resolves once it is closed. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.idle);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client closing');
    });
  }

  private open(): void {
    if (this.stopped) return;
    const auth: Record<string, string> = this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {};
    const ws = new WebSocket(this.opts.url, { ...this.opts.wsOptions, headers: { ...this.opts.wsOptions?.headers, ...auth } });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.touch();
      this.listeners.emit('open');
      this.sendSubscribe([...this.wanted]);
    });
    ws.on('message', (data, isBinary) => {
      this.touch();
      if (!isBinary) this.receive(data);
    });
    ws.on('ping', () => this.touch());
    // A failed connection also closes; the close handler decides what comes next.
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      clearTimeout(this.idle);
      if (this.ws === ws) this.ws = undefined;
      this.listeners.emit('close', code, reason.toString());
      if (this.stopped || this.opts.reconnect === false) return;
      const delay = backoffDelay(this.attempt, this.backoff);
      this.listeners.emit('reconnecting', ++this.attempt, delay);
      this.retry = setTimeout(() => this.open(), delay);
    });
  }

  /** Subscribes on the open connection, resuming the campaigns whose state the client holds. */
  private sendSubscribe(ids: readonly string[]): void {
    if (!this.connected) return;
    for (let i = 0; i < ids.length; i += MAX_CAMPAIGNS_PER_SUBSCRIBE) {
      const chunk = ids.slice(i, i + MAX_CAMPAIGNS_PER_SUBSCRIBE);
      const resume = Object.fromEntries(chunk.flatMap((id) => (this.stateOf.has(id) ? [[id, this.stateOf.get(id)?.seq ?? 0]] : [])));
      this.send(
        Object.keys(resume).length > 0 ? { type: 'subscribe', campaign_ids: chunk, resume } : { type: 'subscribe', campaign_ids: chunk },
      );
    }
  }

  private send(m: WsClientMessage): void {
    if (this.connected) this.ws?.send(JSON.stringify(m));
  }

  private receive(data: RawData): void {
    let m: ServerMessage;
    try {
      m = parseServerMessage(textOf(data), this.opts.validate !== false);
    } catch {
      // Not a message of the contract: nothing to apply.
      return;
    }
    this.listeners.emit('message', m);
    if (m.type === 'snapshot') {
      if (!this.wanted.has(m.campaign_id)) return;
      const state = stateFromSnapshot(m);
      this.stateOf.set(m.campaign_id, state);
      this.listeners.emit('snapshot', state);
    } else if (m.type === 'campaign_updated') {
      const current = this.stateOf.get(m.campaign_id);
      const next = current && this.wanted.has(m.campaign_id) ? applyUpdate(current, m) : undefined;
      if (!next) return;
      this.stateOf.set(m.campaign_id, next);
      this.listeners.emit('update', next, m);
    } else if (m.type === 'resumed') {
      this.listeners.emit('resumed', m);
    } else if (m.type === 'error') {
      this.listeners.emit('error', m);
    } else {
      this.listeners.emit('pong');
    }
  }

  private touch(): void {
    const ms = this.opts.idleTimeoutMs ?? 0;
    if (ms <= 0) return;
    clearTimeout(this.idle);
    const ws = this.ws;
    this.idle = setTimeout(() => ws?.terminate(), ms);
  }
}
