import { UnavailableError } from '@cpt/domain';
import type { FastifyPluginAsync } from 'fastify';

/** A named dependency check that answers within its own deadline. */
export type Probe = () => Promise<boolean>;

export interface HealthRoutesOptions {
  probes: Record<string, Probe>;
  /** False once shutdown has begun, so that load balancers stop sending traffic. */
  accepting: () => boolean;
}

/** `/health/live` (the process answers) and `/health/ready` (every dependency answers). */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { probes, accepting }) => {
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async () => {
    const names = Object.keys(probes);
    const results = await Promise.all(names.map((n) => (probes[n] as Probe)().catch(() => false)));
    const checks = Object.fromEntries(names.map((n, i) => [n, results[i] ? 'up' : 'down']));
    if (!accepting()) throw new UnavailableError('shutting down', undefined, { checks });
    if (results.every(Boolean)) return { status: 'ready', checks };
    throw new UnavailableError('not ready', undefined, { checks });
  });
};
