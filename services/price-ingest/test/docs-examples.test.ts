import { openOrm } from '@cpt/application';
import type { OutgoingMessage } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { createTestKey, testAccess, testDatabaseUrl } from '@cpt/testkit';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';

type Operation = { tags?: string[]; requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> } };

// price-ingest's docs page, as a newcomer who followed the gateway's link meets it. Its examples
// are posted to the service; the publisher records instead of writing to the shared market.ticks,
// where their fixed timestamps would move other suites' marks of GBPUSD and AAPL.
describe('the docs page of price-ingest', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  const published: OutgoingMessage[] = [];
  let doc: { info: Record<string, string>; tags: { name: string }[]; paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 2 });
    const access = testAccess(orm);
    const publisher = {
      connect: async () => undefined,
      publish: async (_topic: string, messages: readonly OutgoingMessage[]) => void published.push(...messages),
      disconnect: async () => undefined,
    };
    app = await buildApp({
      log: createLogger('price-ingest-test', 'silent'),
      publisher,
      access,
      probes: {},
      gatewayUrl: 'https://campaigns.example.com/',
    });
    await app.ready();
    const key = await createTestKey(orm, { scopes: ['ticks:write'] });
    const inject = app.inject.bind(app);
    app.inject = ((o: InjectOptions) => inject({ ...o, headers: { ...key.headers, ...o.headers } })) as typeof app.inject;
    close = async () => {
      await app.close();
      await access.keys.close();
      await orm.close(true);
    };
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(async () => close?.());

  it('is titled, introduced, grouped, and links to the gateway’s page', async () => {
    expect(doc.info.title).toBe('Campaign position tracking: price ingest');
    expect(doc.info.description).toMatch(/market\.ticks/);
    expect(doc.info.description).toContain('[https://campaigns.example.com/docs](https://campaigns.example.com/docs)');
    expect(doc.tags.map((t) => t.name)).toEqual(['ticks', 'health']);
    const post = doc.paths['/api/v1/ticks']?.post;
    expect(post?.tags).toEqual(['ticks']);
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.body).toContain('<title>Campaign position tracking: price ingest</title>');
  });

  it('documents examples of the ticks body, and accepts each of them', async () => {
    const examples = Object.entries(doc.paths['/api/v1/ticks']?.post?.requestBody?.content['application/json']?.examples ?? {});
    expect(examples.map(([name]) => name)).toEqual(['one', 'batch']);
    for (const [name, { value }] of examples) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/ticks',
        payload: JSON.stringify(value),
        headers: { 'content-type': 'application/json' },
      });
      expect([res.statusCode, res.json()], `example ${name}: ${res.body}`).toEqual([
        202,
        { accepted: Array.isArray(value) ? value.length : 1 },
      ]);
    }
    expect(published.map((m) => m.key)).toEqual(['GBPUSD', 'GBPUSD', 'AAPL', 'GBPUSD']);
  });
});
