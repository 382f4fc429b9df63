import WebSocket, { type ClientOptions } from 'ws';
import type { BackoffOptions } from './backoff.js';
import { LiveClient } from './live-client.js';
import { parseServerMessage } from './server-message.js';
import { globalWebSocket, openWithAccessToken, type SocketLike, type WebSocketConstructor } from './socket.js';

/** How a {@link RealtimeClient} connects and reconnects. */
export interface RealtimeClientOptions {
  /** The gateway's WebSocket URL, e.g. `ws://127.0.0.1:8080/api/v1/ws`. */
  url: string;
  /** The API key (scope `campaigns:read`). */
  apiKey?: string;
  /** Reconnect after the connection drops, with back-off, resuming every campaign (default true). */
  reconnect?: boolean;
  backoff?: Partial<BackoffOptions>;
  /** Check every server message against the contract's schemas (default true). */
  validate?: boolean;
  /** Drop the connection and reconnect when nothing came for this long (default 0: never; 30 s on a WHATWG WebSocket). */
  idleTimeoutMs?: number;
  /** Send `{"type": "ping"}` this often (default 0: never; 10 s on a WHATWG WebSocket, whose protocol pings are invisible). */
  heartbeatMs?: number;
  /**
   * The WebSocket class to use. By default the platform's global `WebSocket` where it has one
   * (Node 22 and later, Deno, Bun; the key then travels as `?access_token=`), else the `ws`
   * package (Node 20; the key travels as `Authorization: Bearer`, protocol pings count as traffic).
   */
  WebSocket?: WebSocketConstructor;
  /** Options of the `ws` constructor (headers, agent, ...); giving them chooses the `ws` package. */
  wsOptions?: ClientOptions;
}

/**
 * The live client in Node (and any platform with a `WebSocket`): the same as in a browser, on the
 * global `WebSocket` where there is one and on the `ws` package otherwise.
 */
export class RealtimeClient extends LiveClient {
  constructor(opts: RealtimeClientOptions) {
    const validate = opts.validate !== false;
    const Impl = opts.WebSocket ?? (opts.wsOptions ? undefined : globalWebSocket());
    const heartbeatMs = opts.heartbeatMs ?? (Impl ? 10_000 : 0);
    const idleTimeoutMs = opts.idleTimeoutMs ?? (Impl ? heartbeatMs * 3 : 0);
    super({
      openSocket: () => {
        if (Impl) return openWithAccessToken(Impl, opts.url, opts.apiKey);
        const auth: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
        const ws = new WebSocket(opts.url, { ...opts.wsOptions, headers: { ...opts.wsOptions?.headers, ...auth } });
        ws.on('ping', () => this.touch());
        return ws as unknown as SocketLike;
      },
      parse: (text) => parseServerMessage(text, validate),
      heartbeatMs,
      idleTimeoutMs,
      ...(opts.reconnect !== undefined && { reconnect: opts.reconnect }),
      ...(opts.backoff && { backoff: opts.backoff }),
    });
  }
}
