import type { CampaignUpdated, WsClientMessage, WsError, WsResumed } from '@cpt/contracts';
import { MAX_CAMPAIGNS_PER_SUBSCRIBE } from '@cpt/contracts';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { applyUpdate, type CampaignState, stateFromSnapshot } from './campaign-state.js';
import { Listeners } from './listeners.js';
import type { ServerMessage } from './server-message.js';
import { SOCKET_OPEN, type SocketLike } from './socket.js';

/** How a {@link LiveClient} connects and reconnects, wherever it runs. */
export interface LiveClientOptions {
  /** Opens a new connection to the gateway's `GET /api/v1/ws`. */
  openSocket: () => SocketLike;
  /** Turns a text frame into a server message; throws when it is not one. */
  parse: (text: string) => ServerMessage;
  /** Reconnect after the connection drops, with back-off, resuming every campaign (default true). */
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** Drop the connection and reconnect when nothing came for this long (default 0: never). */
  idleTimeoutMs?: number;
  /**
   * Send `{"type": "ping"}` this often while connected (default 0: never), so that a connection
   * that no longer carries anything is noticed through `idleTimeoutMs` where protocol pings are
   * invisible (a browser).
   */
  heartbeatMs?: number;
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

type Timer = ReturnType<typeof setTimeout>;

/**
 * A client of the gateway's `GET /api/v1/ws`, in Node or a browser: keeps the state of each
 * subscribed campaign from its snapshot and updates, and after a dropped connection reconnects with
 * exponential back-off and resumes each campaign from the last seq it holds.
 */
export class LiveClient {
  private readonly listeners = new Listeners<RealtimeClientEvents>();
  private readonly wanted = new Set<string>();
  private readonly stateOf = new Map<string, CampaignState>();
  private readonly backoff: BackoffOptions;
  private socket: SocketLike | undefined;
  private attempt = 0;
  private retry: Timer | undefined;
  private idle: Timer | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  constructor(private readonly options: LiveClientOptions) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
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
        if (this.options.reconnect !== false) return;
        offOpen();
        offClose();
        reject(new Error(`connection closed (${code} ${reason})`));
      });
      this.open();
    });
  }

  get connected(): boolean {
    return this.socket?.readyState === SOCKET_OPEN;
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
    this.stopTimers();
    const socket = this.socket;
    if (!socket || socket.readyState === 3) return;
    await new Promise<void>((resolve) => {
      const previous = socket.onclose;
      socket.onclose = (event) => {
        previous?.(event);
        resolve();
      };
      socket.close(1000, 'client closing');
    });
  }

  /** Notes that the connection carried something: the idle deadline starts again. */
  protected touch(): void {
    const ms = this.options.idleTimeoutMs ?? 0;
    if (ms <= 0) return;
    clearTimeout(this.idle);
    const socket = this.socket;
    this.idle = setTimeout(() => {
      if (!socket) return;
      // A connection that carries nothing may never finish a closing handshake: drop it at once.
      const terminate = (socket as { terminate?: () => void }).terminate;
      if (terminate) terminate.call(socket);
      else socket.close(4000, 'idle');
      this.dropped(socket, 4000, 'idle');
    }, ms);
  }

  private open(): void {
    if (this.stopped) return;
    const socket = this.options.openSocket();
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.touch();
      const every = this.options.heartbeatMs ?? 0;
      if (every > 0) this.heartbeat = setInterval(() => this.ping(), every);
      this.listeners.emit('open');
      this.sendSubscribe([...this.wanted]);
    };
    socket.onmessage = (event) => {
      this.touch();
      if (typeof event.data === 'string') this.receive(event.data);
    };
    // A failed connection also closes; the close handler decides what comes next.
    socket.onerror = () => undefined;
    socket.onclose = (event) => this.dropped(socket, event.code, event.reason);
  }

  /** The connection ended (closed, or given up as idle): reconnect after a back-off unless closed for good. */
  private dropped(socket: SocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.stopTimers();
    this.socket = undefined;
    this.listeners.emit('close', code, reason);
    if (this.stopped || this.options.reconnect === false) return;
    const delay = backoffDelay(this.attempt, this.backoff);
    this.listeners.emit('reconnecting', ++this.attempt, delay);
    this.retry = setTimeout(() => this.open(), delay);
  }

  private stopTimers(): void {
    clearTimeout(this.idle);
    clearInterval(this.heartbeat);
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
    if (this.connected) this.socket?.send(JSON.stringify(m));
  }

  private receive(text: string): void {
    let m: ServerMessage;
    try {
      m = this.options.parse(text);
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
}
