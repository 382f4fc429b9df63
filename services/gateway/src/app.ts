import { CampaignCommands, CampaignReads, classifyDatabaseError } from '@cpt/application';
import { createServer, healthRoutes, openApiDocs, type Probe } from '@cpt/http';
import type { Logger } from '@cpt/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { type RealtimeDeps, realtimeRoutes } from './realtime/realtime-routes.js';
import { campaignRoutes } from './routes/campaigns.js';
import { unservedLiveUpdates } from './routes/live-updates.js';
import { gatewayDocs } from './routes/openapi.js';
import { positionRoutes } from './routes/positions.js';

export interface GatewayDeps {
  log: Logger;
  em: EntityManager;
  probes: Record<string, Probe>;
  bodyLimit?: number;
  accepting?: () => boolean;
  /** `GET /api/v1/ws` is served only when given. */
  realtime?: RealtimeDeps;
}

/** Turns database outages into the contract's `unavailable`. */
export const classifyError = classifyDatabaseError;

/** Builds the gateway from explicit dependencies; `main.ts` owns the process. */
export async function buildApp(deps: GatewayDeps): Promise<FastifyInstance> {
  const app = createServer({ log: deps.log, bodyLimit: deps.bodyLimit ?? 1_048_576, classifyError });
  const commands = new CampaignCommands(deps.em);
  const reads = new CampaignReads(deps.em);
  // First, so that the document sees every route registered after it.
  await app.register(openApiDocs, gatewayDocs);
  await app.register(healthRoutes, { probes: deps.probes, accepting: deps.accepting ?? (() => true) });
  await app.register(campaignRoutes, { commands, reads });
  await app.register(positionRoutes, { commands });
  if (deps.realtime) await app.register(realtimeRoutes, { ...deps.realtime, reads, classifyError });
  else await app.register(unservedLiveUpdates);
  return app;
}
