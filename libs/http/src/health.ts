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

/** `/health/live` (the process answers) and `/health/ready` (every dependency answers). */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { probes, accepting }) => {
  app.get('/health/live', declaredRoute(liveness), async () => ({ status: 'ok' }));
  app.get('/health/ready', declaredRoute(readiness), async () => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((n) => (probes[n] as Probe)().catch(() => false)));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i] ? 'up' : 'down']));
    if (!accepting()) throw new UnavailableError('shutting down', undefined, { checks });
    if (results.every(Boolean)) return { status: 'ready', checks };
    throw new UnavailableError('not ready', undefined, { checks });
  });
};
