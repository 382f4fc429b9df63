/**
 * The close codes of `GET /api/v1/ws`. A client should reconnect (with back-off) and resume after
 * any of them; 1006 (no close frame) is what a client sees when the server dropped a connection
 * that missed a heartbeat, since a peer that does not answer pings cannot take a close frame either.
 */
export const CLOSE_CODES = {
  /** The gateway is shutting down: reconnect, to another instance if there is one. */
  goingAway: 1001,
  /** A client message was larger than the limit (set by `ws` itself). */
  messageTooBig: 1009,
  /**
   * The client did not read its updates for longer than `WS_SLOW_CLIENT_DEADLINE_MS`, held more
   * than `WS_MAX_UNSENT_BYTES` unsent, or had too many subscriptions waiting.
   */
  tooSlow: 4008,
  /** The connection's key was revoked or expired: reconnect with a valid key. */
  keyRevoked: 4401,
} as const;

/** The close reasons that go with the codes. */
export const CLOSE_REASONS = {
  goingAway: 'server shutting down',
  tooSlow: 'too slow',
  keyRevoked: 'key revoked or expired',
} as const;
