import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import { type AuthOptions, registerAuth } from './auth.js';

/** What every service puts at its edge, before any route. */
export interface EdgeOptions {
  auth: AuthOptions;
  /** Origins whose pages may call the API from a browser; none by default. */
  corsOrigins: readonly string[];
}

/**
 * Security headers (helmet; the docs page sets its own content policy for its scripts), CORS for
 * the allowed origins only, then authentication, scopes and rate limits on every route that is not
 * public.
 */
export async function registerEdge(app: FastifyInstance, opts: EdgeOptions): Promise<void> {
  await app.register(helmet, {
    // The API answers JSON; pages served later (the dashboard) load only their own scripts and styles.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // TLS ends in front of the services (an ingress); a plain-HTTP address must keep working.
        upgradeInsecureRequests: null,
      },
    },
    // The API is meant to be read by the allowed origins' pages.
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  const allowed = new Set(opts.corsOrigins);
  await app.register(cors, {
    origin: (origin, cb) => cb(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'x-request-id'],
    exposedHeaders: ['etag', 'location', 'x-request-id', 'retry-after', 'www-authenticate'],
    maxAge: 600,
  });
  await registerAuth(app, opts.auth);
}

/** Whether a browser page of `origin` may open the WebSocket: the same origin, or an allowed one. */
export function originAllowed(origin: string | undefined, host: string | undefined, corsOrigins: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (corsOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
