/** Exponential back-off between reconnection attempts. */
export interface BackoffOptions {
  /** The delay before the first retry. */
  initialMs: number;
  /** The longest delay. */
  maxMs: number;
  /** How much the delay grows per failed attempt. */
  factor: number;
  /** The share of each delay taken off at random (0 to 1), so that clients do not reconnect in step. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** The delay before attempt `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, o: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt));
  return Math.round(base * (1 - Math.min(1, Math.max(0, o.jitter)) * random()));
}
