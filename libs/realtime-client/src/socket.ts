/**
 * The part of a WebSocket the client uses: the WHATWG interface that browsers implement, and that
 * the `ws` package implements too (text frames reach `onmessage` as strings).
 */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** `WebSocket.OPEN`, the same in every implementation. */
export const SOCKET_OPEN = 1;

/** A WHATWG `WebSocket` class: a browser's, Node's (22 and later), Deno's, or the `ws` package's. */
export type WebSocketConstructor = new (url: string) => SocketLike;

/** The global `WebSocket`, where the platform has one. */
export function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/**
 * Opens a WHATWG WebSocket to the gateway with the key as `?access_token=`: such a socket cannot
 * set headers, and the gateway takes the key from the query on `/api/v1/ws` (and keeps it out of
 * its logs).
 */
export function openWithAccessToken(Impl: WebSocketConstructor, url: string, apiKey: string | undefined): SocketLike {
  const u = new URL(url);
  if (apiKey) u.searchParams.set('access_token', apiKey);
  return new Impl(u.toString());
}
