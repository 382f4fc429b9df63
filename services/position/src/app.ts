import { createServer, healthRoutes, type Probe } from '@cpt/http';
import type { Logger } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';

export interface PositionAppDeps {
  log: Logger;
  probes: Record<string, Probe>;
  accepting?: () => boolean;
}

/** The position service's HTTP side: health and readiness only; its work arrives through Kafka. */
export async function buildApp(deps: PositionAppDeps): Promise<FastifyInstance> {
  const app = createServer({ log: deps.log, bodyLimit: 1024 });
  await app.register(healthRoutes, { probes: deps.probes, accepting: deps.accepting ?? (() => true) });
  return app;
}
