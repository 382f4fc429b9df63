import type { Caller } from '@cpt/domain';
import { createServer, healthRoutes, openApiDocs, type Probe, registerEdge } from '@cpt/http';
import type { Publisher } from '@cpt/messaging';
import type { Logger } from '@cpt/platform';
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
}

/** Builds price-ingest from explicit dependencies; `main.ts` owns the process. */
export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const app = createServer({ log: deps.log, bodyLimit: deps.bodyLimit ?? 8 * 1024 * 1024 });
  registerNdjsonParser(app);
  await registerEdge(app, {
    corsOrigins: deps.access.corsOrigins,
    auth: { verify: deps.access.verify, rateMax: deps.access.rateMax, rateWindowMs: deps.access.rateWindowMs },
  });
  // First, so that the document sees every route registered after it.
  await app.register(openApiDocs, ingestDocs);
  await app.register(healthRoutes, { probes: deps.probes, accepting: deps.accepting ?? (() => true) });
  await app.register(tickRoutes, { publisher: deps.publisher });
  return app;
}
