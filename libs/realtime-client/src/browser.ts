import type { BackoffOptions } from './backoff.js';
import { LiveClient } from './live-client.js';
import type { ServerMessage } from './server-message.js';
import type { SocketLike } from './socket.js';

export * from './backoff.js';
export * from './campaign-state.js';
export * from './live-client.js';
export * from './rest-client.js';

export interface BrowserLiveClientOptions {
  /** The gateway's WebSocket URL, e.g. `wss://desk.example/api/v1/ws`. */
  url: string;
  /** The API key: a browser's WebSocket cannot set headers, so it travels as `?access_token=`. */
  apiKey: string;
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** How often to ping (default 10 s); a connection silent for three pings is given up and reopened. */
  heartbeatMs?: number;
}

const TYPES = new Set(['snapshot', 'campaign_updated', 'resumed', 'error', 'pong']);

/** A server message, as JSON; the page trusts its own gateway's shapes and checks only the type. */
function parseJsonMessage(text: string): ServerMessage {
  const m = JSON.parse(text) as { type?: unknown } | null;
  if (typeof m?.type !== 'string' || !TYPES.has(m.type)) throw new Error('not a server message');
  return m as ServerMessage;
}

/** The live client in a browser, on its WebSocket. */
export class BrowserLiveClient extends LiveClient {
  constructor(opts: BrowserLiveClientOptions) {
    const heartbeatMs = opts.heartbeatMs ?? 10_000;
    super({
      openSocket: () => {
        const url = new URL(opts.url);
        url.searchParams.set('access_token', opts.apiKey);
        return new WebSocket(url) as unknown as SocketLike;
      },
      parse: parseJsonMessage,
      heartbeatMs,
      idleTimeoutMs: heartbeatMs * 3,
      ...(opts.reconnect !== undefined && { reconnect: opts.reconnect }),
      ...(opts.backoff && { backoff: opts.backoff }),
    });
  }
}
