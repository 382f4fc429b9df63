import { classifyDatabaseError } from '@cpt/application';
import type { Caller } from '@cpt/domain';
import { createServer, healthRoutes, metricsEndpoint, openApiDocs, type Probe, registerEdge } from '@cpt/http';
import type { Publisher } from '@cpt/messaging';
import { createMetricsRegistry, type Logger, type MetricsRegistry } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';
import { ingestDocs } from './docs.js';
import { registerNdjsonParser } from './ticks/ndjson.js';
import { tickRoutes } from './ticks/ticks.routes.js';

export interface IngestDeps {
  log: Logger;
  publisher: Publisher;
  probes: Record<string, Probe>;
  access: {
    verify: (key: string) => Promise<Caller | null>;
    corsOrigins: readonly string[];
    rateMax: number;
    rateWindowMs: number;
  };
  bodyLimit?: number;
  accepting?: () => boolean;
  /** The process's metrics, served at `GET /metrics`; a registry of its own by default. */
  metrics?: MetricsRegistry;
  /** Where people reach the gateway, whose docs page price-ingest's links to (`DOCS_GATEWAY_URL`). */
  gatewayUrl?: string;
}

/** Builds price-ingest from explicit dependencies; `main.ts` owns the process. */
export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  // A key that cannot be checked because PostgreSQL is down is 503 unavailable, not 500.
  const app = createServer({ log: deps.log, bodyLimit: deps.bodyLimit ?? 8 * 1024 * 1024, classifyError: classifyDatabaseError });
  const metrics = deps.metrics ?? createMetricsRegistry('price-ingest');
  // Before every other route, so that each is measured.
  await app.register(metricsEndpoint, { registry: metrics });
  registerNdjsonParser(app);
  await registerEdge(app, {
    corsOrigins: deps.access.corsOrigins,
    auth: { verify: deps.access.verify, rateMax: deps.access.rateMax, rateWindowMs: deps.access.rateWindowMs },
  });
  // First, so that the document sees every route registered after it.
  await app.register(openApiDocs, ingestDocs(deps.gatewayUrl));
  await app.register(healthRoutes, { probes: deps.probes, accepting: deps.accepting ?? (() => true) });
  await app.register(tickRoutes, { publisher: deps.publisher, metrics });
  return app;
}
