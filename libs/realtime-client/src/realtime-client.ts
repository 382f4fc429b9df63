import WebSocket, { type ClientOptions } from 'ws';
import type { BackoffOptions } from './backoff.js';
import { LiveClient } from './live-client.js';
import { parseServerMessage } from './server-message.js';
import type { SocketLike } from './socket.js';

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

/** The live client in Node, on the `ws` package: the key goes in a header, protocol pings count as traffic. */
export class RealtimeClient extends LiveClient {
  constructor(opts: RealtimeClientOptions) {
    const validate = opts.validate !== false;
    super({
      openSocket: () => {
        const auth: Record<string, string> = opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
        const ws = new WebSocket(opts.url, { ...opts.wsOptions, headers: { ...opts.wsOptions?.headers, ...auth } });
        ws.on('ping', () => this.touch());
        return ws as unknown as SocketLike;
      },
      parse: (text) => parseServerMessage(text, validate),
      ...(opts.reconnect !== undefined && { reconnect: opts.reconnect }),
      ...(opts.backoff && { backoff: opts.backoff }),
      ...(opts.idleTimeoutMs !== undefined && { idleTimeoutMs: opts.idleTimeoutMs }),
    });
  }
}
