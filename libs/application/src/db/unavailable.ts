import { UnavailableError } from '@cpt/domain';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * Whether an error means PostgreSQL could not be reached or is going away (as opposed to a bug
 * or a constraint violation): connection failures, pool timeouts, server shutdown (SQLSTATE 57P0x),
 * connection exceptions (class 08).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
    const code = typeof x.code === 'string' ? x.code : '';
    const message = typeof x.message === 'string' ? x.message : '';
    if (NETWORK_CODES.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code)) return true;
    if (x.name === 'ConnectionException' || x.name === 'KnexTimeoutError') return true;
    if (/Timeout acquiring a connection|Connection terminated|connect ECONNREFUSED|Connection ended|^timeout expired$/i.test(message))
      return true;
    e = x.previous ?? x.cause;
  }
  return false;
}

/** Rethrows a database outage as the contract's `unavailable`; anything else unchanged. */
export function classifyDatabaseError(err: unknown): unknown {
  return isDatabaseUnavailable(err) ? new UnavailableError('the database cannot be reached', err) : err;
}
