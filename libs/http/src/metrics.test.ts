import { createLogger, createMetricsRegistry } from '@cpt/platform';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerEdge } from './edge.js';
import { metricsEndpoint } from './metrics.js';
import { openApiDocs } from './openapi.js';
import { createServer } from './server.js';

const ID = '7d0c5b7e-94a4-4c4b-a0a6-3f6f0f0c2b11';

let app: FastifyInstance;
afterEach(async () => app.close());

/** A server as the services build theirs: metrics first, then the edge (every other route needs a key), the document, the routes. */
async function server(): Promise<FastifyInstance> {
  app = createServer({ log: createLogger('http-test', 'silent'), bodyLimit: 1024 });
  await app.register(metricsEndpoint, { registry: createMetricsRegistry('http-test') });
  await registerEdge(app, { corsOrigins: [], auth: { verify: async () => null, rateMax: 100, rateWindowMs: 1000 } });
  await app.register(openApiDocs, { title: 't', description: 'd', version: '1' });
  app.get('/things/:id', { config: { access: 'public' } }, async (req) => ({ id: (req.params as { id: string }).id }));
  app.get('/private', async () => ({}));
  return app;
}

/** The value of the one sample of `name` that carries these labels (among others); undefined when there is none. */
function sampleValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  expect(lines.length).toBeLessThanOrEqual(1);
  return lines[0] === undefined ? undefined : Number(lines[0].slice(lines[0].lastIndexOf(' ') + 1));
}

const scrape = async () => {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
};

describe('GET /metrics', () => {
  it('answers without a key, in Prometheus’s text format, with the default Node.js metrics', async () => {
    await server();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toMatch(/^# HELP nodejs_eventloop_lag_p99_seconds /m);
    expect(res.body).toMatch(/^# TYPE cpt_http_requests_total counter$/m);
    expect(res.body).toMatch(/^# TYPE cpt_http_request_duration_seconds histogram$/m);
    // A key that is not valid changes nothing: the route is public.
    const withBadKey = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer cpt_nonsense' } });
    expect(withBadKey.statusCode).toBe(200);
  });

  it('counts requests by route pattern, method and status, never by their URL', async () => {
    await server();
    expect((await app.inject({ method: 'GET', url: `/things/${ID}?access_token=cpt_${'s'.repeat(43)}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/private' })).statusCode).toBe(401);
    // No route: refused for want of a key, as every path that is not public.
    expect((await app.inject({ method: 'GET', url: `/nowhere/${ID}` })).statusCode).toBe(401);
    const text = await scrape();
    expect(sampleValue(text, 'cpt_http_requests_total', { route: '/things/:id', method: 'GET', status: '200' })).toBe(1);
    expect(sampleValue(text, 'cpt_http_requests_total', { route: '/private', method: 'GET', status: '401' })).toBe(1);
    expect(sampleValue(text, 'cpt_http_requests_total', { route: 'unmatched', method: 'GET', status: '401' })).toBe(1);
    expect(sampleValue(text, 'cpt_http_request_duration_seconds_count', { route: '/things/:id', method: 'GET', status: '200' })).toBe(1);
    expect(text).not.toContain(ID);
    expect(text).not.toContain('cpt_sss');
  });

  it('is left out of the OpenAPI document', async () => {
    await server();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});
