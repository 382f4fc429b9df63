import {
  AccessAdmin,
  AccountRisk,
  CampaignCommands,
  CampaignReads,
  classifyDatabaseError,
  EquityReads,
  type KeyHasher,
  type KeyVerifier,
  registerPoolMetrics,
  StatsReads,
} from '@cpt/application';
import { createServer, healthRoutes, metricsEndpoint, openApiDocs, type Probe, registerEdge } from '@cpt/http';
import { createMetricsRegistry, type Logger, type MetricsRegistry } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { registerRealtimeMetrics } from './realtime/realtime.metrics.js';
import { type RealtimeDeps, realtimeRoutes } from './realtime/realtime-routes.js';
import { accountRoutes } from './routes/account.js';
import { adminRoutes } from './routes/admin.js';
import { analyticsRoutes } from './routes/analytics.js';
import { campaignRoutes } from './routes/campaigns.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { journalRoutes } from './routes/journal.js';
import { unservedLiveUpdates } from './routes/live-updates.js';
import { gatewayDocs } from './routes/openapi.js';
import { positionRoutes } from './routes/positions.js';
import { RenderedReads, registerRenderedReadsMetrics } from './routes/rendered-reads.js';

/** Who may call, and how often. */
export interface AccessDeps {
  keys: KeyVerifier;
  /** Hashes the keys the admin endpoints create. */
  hasher: KeyHasher;
  corsOrigins: readonly string[];
  rateMax: number;
  rateWindowMs: number;
}

export interface GatewayDeps {
  log: Logger;
  em: EntityManager;
  probes: Record<string, Probe>;
  access: AccessDeps;
  bodyLimit?: number;
  accepting?: () => boolean;
  /** `GET /api/v1/ws` is served only when given. */
  realtime?: RealtimeDeps;
  /** The dashboard's build (index.html, assets/); `/` and `/assets/*` are served only when given. */
  dashboardDir?: string;
  /** The process's metrics, served at `GET /metrics`; a registry of its own by default. */
  metrics?: MetricsRegistry;
  /** Where people reach price-ingest, whose docs page the gateway's links to (`DOCS_PRICE_INGEST_URL`). */
  priceIngestUrl?: string;
  /** The most bytes of rendered campaign reads kept (`READ_CACHE_BYTES`); 0 keeps none. 64 MiB by default. */
  readCacheBytes?: number;
}

/** Turns database outages into the contract's `unavailable`. */
export const classifyError = classifyDatabaseError;

/** Builds the gateway from explicit dependencies; `main.ts` owns the process. */
export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = createServer({ log: deps.log, bodyLimit: deps.bodyLimit ?? 1_048_576, classifyError });
  const commands = new CampaignCommands(deps.em);
  const reads = new CampaignReads(deps.em);
  const metrics = deps.metrics ?? createMetricsRegistry('gateway');
  // Before every other route, so that each is measured.
  await app.register(metricsEndpoint, { registry: metrics });
  registerPoolMetrics(metrics, deps.em);
  const rendered = new RenderedReads({ maxBytes: deps.readCacheBytes ?? 64 * 1_048_576, stampOf: (a, id) => reads.stamp(a, id) });
  registerRenderedReadsMetrics(metrics, rendered);
  await registerEdge(app, {
    corsOrigins: deps.access.corsOrigins,
    auth: {
      verify: (key) => deps.access.keys.verify(key),
      queryTokenPaths: ['/api/v1/ws'],
      rateMax: deps.access.rateMax,
      rateWindowMs: deps.access.rateWindowMs,
    },
  });
  // First of the routes, so that the document sees every route registered after it.
  await app.register(openApiDocs, gatewayDocs(deps.priceIngestUrl));
  await app.register(healthRoutes, { probes: deps.probes, accepting: deps.accepting ?? (() => true) });
  await app.register(campaignRoutes, { commands, reads, rendered });
  await app.register(positionRoutes, { commands });
  await app.register(journalRoutes, { reads });
  await app.register(accountRoutes, { risk: new AccountRisk(deps.em) });
  await app.register(analyticsRoutes, { stats: new StatsReads(deps.em), equity: new EquityReads(deps.em) });
  await app.register(adminRoutes, { admin: new AccessAdmin(deps.em, deps.access.hasher) });
  if (deps.realtime) {
    await app.register(realtimeRoutes, {
      ...deps.realtime,
      reads,
      keys: deps.access.keys,
      corsOrigins: deps.access.corsOrigins,
      classifyError,
    });
    const { realtime } = app;
    if (realtime) registerRealtimeMetrics(metrics, () => realtime.stats());
  } else await app.register(unservedLiveUpdates);
  if (deps.dashboardDir !== undefined) await app.register(dashboardRoutes, { dir: deps.dashboardDir });
  return app;
}
