import type { BackoffOptions } from './backoff.js';
import { LiveClient } from './live-client.js';
import type { ServerMessage } from './server-message.js';
import { globalWebSocket, openWithAccessToken, type WebSocketConstructor } from './socket.js';

export * from './backoff.js';
export * from './campaign-state.js';
export * from './live-client.js';
export * from './rest-client.js';
export type { SocketLike, WebSocketConstructor } from './socket.js';

/** How a client connects in a browser (or wherever the platform has a `WebSocket`). */
export interface BrowserLiveClientOptions {
  /** The gateway's WebSocket URL, e.g. `wss://desk.example/api/v1/ws`. */
  url: string;
  /** The API key (scope `campaigns:read`): a browser's WebSocket cannot set headers, so it travels as `?access_token=`. */
  apiKey: string;
  /** Reconnect after the connection drops, with back-off, resuming every campaign (default true). */
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** How often to ping (default 10 s); a connection silent for three pings is given up and reopened. */
  heartbeatMs?: number;
  /** The WebSocket class to use (default the global `WebSocket`). */
  WebSocket?: WebSocketConstructor;
}

const TYPES = new Set(['snapshot', 'campaign_updated', 'resumed', 'error', 'pong']);

/** A server message, as JSON; a page trusts its own gateway's shapes and checks only the type (no schemas in the bundle). */
function parseJsonMessage(text: string): ServerMessage {
  const m = JSON.parse(text) as { type?: unknown } | null;
  if (typeof m?.type !== 'string' || !TYPES.has(m.type)) throw new Error('not a server message');
  return m as ServerMessage;
}

/** The live client on a WHATWG WebSocket: a browser's, by default. */
export class BrowserLiveClient extends LiveClient {
  constructor(opts: BrowserLiveClientOptions) {
    const heartbeatMs = opts.heartbeatMs ?? 10_000;
    const Impl = opts.WebSocket ?? globalWebSocket();
    if (!Impl) throw new Error('this platform has no WebSocket: pass one as the WebSocket option');
    super({
      openSocket: () => openWithAccessToken(Impl, opts.url, opts.apiKey),
      parse: parseJsonMessage,
      heartbeatMs,
      idleTimeoutMs: heartbeatMs * 3,
      ...(opts.reconnect !== undefined && { reconnect: opts.reconnect }),
      ...(opts.backoff && { backoff: opts.backoff }),
    });
  }
}

/** What the package's browser build calls `RealtimeClient`, so that one import works in Node and in a page. */
export { BrowserLiveClient as RealtimeClient, type BrowserLiveClientOptions as RealtimeClientOptions };
