import { UnavailableError } from '@cpt/domain';

/** Node's codes of a socket that could not connect, or whose connection broke. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
]);

/**
 * SQLSTATEs of a server that ends or refuses connections: class 08 (connection exception),
 * 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now (starting, shutting down,
 * in recovery), 57P05 idle session timeout, 53300 too many connections.
 */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1235]|53300)$/;

/**
 * The messages of the driver (pg), its pool (pg-pool) and the query builder's pool (knex, tarn)
 * for a connection that is gone or cannot be had. MikroORM keeps the driver's message, after the
 * statement (`select 1 - Client has encountered …`), but neither its class nor a code; so a
 * message counts only as the whole message or what follows the statement, never text inside it.
 */
const UNAVAILABLE_MESSAGE = new RegExp(
  `(?:^|\\s-\\s)(?:${[
    // pg: the socket closed under a client (unexpectedly, on connectionTimeoutMillis, or as it ended).
    'Connection terminated(?: unexpectedly| due to connection timeout)?',
    'Connection ended unexpectedly',
    // pg: a query on a client whose connection failed earlier or that was closed: in a transaction,
    // the next statement after the server went away.
    'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable',
    // pg: connectionTimeoutMillis passed before the server answered; pg-pool: no client within it.
    'timeout expired',
    'timeout exceeded when trying to connect',
    // knex/tarn: no connection within acquireTimeoutMillis, or the pool is gone.
    'Knex: Timeout acquiring a connection\\b.*',
    'Unable to acquire a connection',
    'connect E[A-Z]+ \\S+',
  ].join('|')})$`,
  'i',
);

const UNAVAILABLE_NAMES = new Set(['ConnectionException', 'KnexTimeoutError']);

/**
 * Whether an error means PostgreSQL could not be reached or went away (as opposed to a bug or a
 * constraint violation): a connection refused, reset or timed out, a pool that cannot hand out a
 * connection, a client whose connection broke, the server shutting down or refusing connections.
 * Looks through the causes (`cause`, MikroORM's `previous`, an `AggregateError`'s errors).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const walk = (e: unknown, depth: number): boolean => {
    if (!e || typeof e !== 'object' || depth > 5 || seen.has(e)) return false;
    seen.add(e);
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; previous?: unknown; errors?: unknown };
    const code = typeof x.code === 'string' ? x.code : '';
    const message = typeof x.message === 'string' ? x.message : '';
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (typeof x.name === 'string' && UNAVAILABLE_NAMES.has(x.name)) return true;
    if (UNAVAILABLE_MESSAGE.test(message)) return true;
    const inner = Array.isArray(x.errors) ? x.errors : [];
    return [x.previous, x.cause, ...inner].some((c) => walk(c, depth + 1));
  };
  return walk(err, 0);
}

/** Rethrows a database outage as the contract's `unavailable`; anything else unchanged. */
export function classifyDatabaseError(err: unknown): unknown {
  return isDatabaseUnavailable(err) ? new UnavailableError('the database cannot be reached', err) : err;
}
