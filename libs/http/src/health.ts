import { UnavailableError } from '@cpt/domain';
import type { FastifyPluginAsync } from 'fastify';
import { liveness, readiness } from './health-docs.js';
import { declaredRoute } from './route.js';

/** A named dependency check that answers within its own deadline. */
export type Probe = () => Promise<boolean>;

export interface HealthRoutesOptions {
  probes: Record<string, Probe>;
  /** False once shutdown has begun, so that load balancers stop sending traffic. */
  accepting: () => boolean;
}

/**
 * The route config of a probe: the server logs its answers at `debug`, since a 503 from
 * `/health/ready` is expected operation (starting, a dependency down, shutting down), not a failure.
 */
const PROBE_ROUTE_CONFIG = { probe: true } as const;

/** Whether a route is a probe (see `PROBE_ROUTE_CONFIG`). */
export const isProbeRoute = (config: unknown): boolean => (config as { probe?: unknown } | undefined)?.probe === true;

/**
 * `/health/live` (the process answers) and `/health/ready` (every dependency answers). Readiness
 * is logged once per change, not per probe: becoming ready at `info`, ceasing to be ready at
 * `warn` (at `info` while starting or shutting down), with the checks.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { probes, accepting }) => {
  let last: string | undefined;
  let wasReady = false;
  const report = (state: 'ready' | 'not ready' | 'shutting down', checks: Record<string, string>) => {
    const down = Object.keys(checks).filter((n) => checks[n] === 'down');
    const signature = `${state}:${down.join(',')}`;
    if (signature === last) return;
    last = signature;
    if (state === 'ready') app.log.info({ checks }, 'ready');
    else if (state === 'shutting down') app.log.info({ checks }, 'not ready: shutting down');
    else if (wasReady) app.log.warn({ checks, down }, 'not ready');
    else app.log.info({ checks, down }, 'not ready yet');
    wasReady = state === 'ready';
  };
  const route = (r: ReturnType<typeof declaredRoute>) => ({ ...r, config: { ...r.config, ...PROBE_ROUTE_CONFIG } });
  app.get('/health/live', route(declaredRoute(liveness)), async () => ({ status: 'ok' }));
  app.get('/health/ready', route(declaredRoute(readiness)), async () => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((n) => (probes[n] as Probe)().catch(() => false)));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i] ? 'up' : 'down']));
    if (!accepting()) {
      report('shutting down', checks);
      throw new UnavailableError('shutting down', undefined, { checks });
    }
    if (results.every(Boolean)) {
      report('ready', checks);
      return { status: 'ready', checks };
    }
    report('not ready', checks);
    throw new UnavailableError('not ready', undefined, { checks });
  });
};
