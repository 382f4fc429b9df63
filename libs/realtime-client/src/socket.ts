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
