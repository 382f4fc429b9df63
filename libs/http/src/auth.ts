import { type Caller, ForbiddenError, RateLimitedError, type Scope, UnauthenticatedError } from '@cpt/domain';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** What a route asks of its caller: a key with this scope, or nothing at all. */
export type Access = Scope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a key needs for this route; `public` routes answer without a key. */
    access?: Access;
  }
  interface FastifyRequest {
    /** The verified caller; null on public routes. */
    caller: Caller | null;
  }
}

export interface AuthOptions {
  /** The caller a presented key proves, or null (malformed, unknown, expired, revoked). */
  verify: (key: string) => Promise<Caller | null>;
  /** Paths on which a browser, which cannot set headers on a WebSocket, may pass `?access_token=`. */
  queryTokenPaths?: readonly string[];
  /** Requests per key per `rateWindowMs`; past it, 429 `rate_limited` with `Retry-After`. */
  rateMax: number;
  rateWindowMs: number;
}

const BEARER = /^Bearer ([^\s]+)$/i;

/** The key of a request: `Authorization: Bearer`, or `?access_token=` where a path allows it. */
function presentedKey(req: FastifyRequest, queryTokenPaths: ReadonlySet<string>): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') return BEARER.exec(header.trim())?.[1] ?? '';
  const q = req.url.indexOf('?');
  if (q < 0 || !queryTokenPaths.has(req.url.slice(0, q))) return undefined;
  return new URLSearchParams(req.url.slice(q + 1)).get('access_token') ?? undefined;
}

/**
 * Authentication on every route that is not `public`, before anything reads the body: a route
 * without a declared access needs a valid key (deny by default); a key without the route's scope
 * is 403; a key past its rate is 429. The key never reaches a log line (see the logger's redaction).
 */
export async function registerAuth(app: FastifyInstance, opts: AuthOptions): Promise<void> {
  const queryTokenPaths = new Set(opts.queryTokenPaths ?? []);
  app.decorateRequest('caller', null);
  await app.register(rateLimit, { global: false });
  const limit = app.createRateLimit({
    max: opts.rateMax,
    timeWindow: opts.rateWindowMs,
    keyGenerator: (req) => (req.caller as Caller).keyId,
  });
  app.addHook('onRequest', async (req) => {
    const access = req.routeOptions.config?.access;
    // CORS preflights carry no credentials; the CORS plugin answers them.
    if (access === 'public' || req.method === 'OPTIONS') return;
    const key = presentedKey(req, queryTokenPaths);
    if (key === undefined) throw new UnauthenticatedError('an API key is required: Authorization: Bearer <key>');
    const caller = key === '' ? null : await opts.verify(key);
    if (!caller) throw new UnauthenticatedError('the API key is not valid');
    req.caller = caller;
    if (access !== undefined && !caller.scopes.includes(access))
      throw new ForbiddenError(`this endpoint needs a key with the scope ${access}`);
    const verdict = await limit(req);
    if (!verdict.isAllowed && verdict.isExceeded) throw new RateLimitedError(Math.max(1, verdict.ttlInSeconds));
  });
}

/** The verified caller of a route that is not `public`. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new UnauthenticatedError();
  return req.caller;
}

/** A URL with its `access_token` parameter masked, for logs. */
export function redactUrl(url: string): string {
  return url.includes('access_token=') ? url.replace(/([?&]access_token=)[^&#]*/g, '$1[redacted]') : url;
}
