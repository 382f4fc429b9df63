import { createServer, healthRoutes, metricsEndpoint, type Probe } from '@cpt/http';
import { createMetricsRegistry, type Logger, type MetricsRegistry } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';

export interface PositionAppDeps {
  log: Logger;
  probes: Record<string, Probe>;
  accepting?: () => boolean;
  /** The process's metrics, served at `GET /metrics`; a registry of its own by default. */
  metrics?: MetricsRegistry;
}

/** The position service's HTTP side: health, readiness and metrics only; its work arrives through Kafka. */
export async function buildApp(deps: PositionAppDeps): Promise<FastifyInstance> {
  const app = createServer({ log: deps.log, bodyLimit: 1024 });
  await app.register(metricsEndpoint, { registry: deps.metrics ?? createMetricsRegistry('position') });
  await app.register(healthRoutes, { probes: deps.probes, accepting: deps.accepting ?? (() => true) });
  return app;
}
