import { counter, DURATION_BUCKETS, histogram, type MetricsRegistry } from '@cpt/platform';
import type { FastifyPluginAsync } from 'fastify';

export interface MetricsOptions {
  registry: MetricsRegistry;
}

/** The `route` of a request that matched no route: never its URL, which the caller chose. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * `GET /metrics`: the registry in Prometheus's text format, without a key (section 11), left out
 * of the OpenAPI document; and, for every request the app answers, `cpt_http_requests_total` and
 * `cpt_http_request_duration_seconds` by route pattern (`/api/v1/campaigns/:id`, never the URL
 * itself), method and status. Register it on the root instance before the routes it measures.
 */
const plugin: FastifyPluginAsync<MetricsOptions> = async (app, { registry }) => {
  const labelNames = ['route', 'method', 'status'] as const;
  const requests = counter(registry, {
    name: 'cpt_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames,
  });
  const durations = histogram(registry, {
    name: 'cpt_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to sending its last byte, by route pattern, method and status.',
    labelNames,
    buckets: DURATION_BUCKETS,
  });
  app.addHook('onResponse', async (req, reply) => {
    const labels = { route: req.routeOptions.url ?? UNMATCHED_ROUTE, method: req.method, status: String(reply.statusCode) };
    requests.inc(labels);
    durations.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true }, config: { access: 'public' } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};

// Like fastify-plugin: the hook must see every route of the app that registers this.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const metricsEndpoint = plugin;
