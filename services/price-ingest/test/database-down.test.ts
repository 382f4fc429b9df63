import { MikroORM, ormOptions } from '@cpt/application';
import type { Publisher } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { testAccess } from '@cpt/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { tick } from './support.js';

// Nothing listens on port 1: every connection attempt is refused.
const NOWHERE = 'postgres://campaigns:campaigns@127.0.0.1:1/campaigns_test';
// A well-formed key that nothing knows: checking it needs the database.
const KEY = `cpt_${'x'.repeat(43)}`;

// price-ingest reads API keys from PostgreSQL; a key it could not check was answered 500 (its
// server classified no error), where the contract says 503 unavailable.
describe('price-ingest while PostgreSQL cannot be reached', () => {
  let orm: MikroORM;
  let app: FastifyInstance;
  const published: unknown[] = [];
  beforeAll(async () => {
    orm = await MikroORM.init({ ...ormOptions({ url: NOWHERE, poolMax: 1, connectTimeoutMs: 500 }), connect: false });
    const publisher: Publisher = {
      connect: async () => undefined,
      publish: async (_topic, messages) => {
        published.push(...messages);
      },
      disconnect: async () => undefined,
    };
    app = await buildApp({ log: createLogger('price-ingest-test', 'silent'), publisher, access: testAccess(orm), probes: {} });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await orm?.close(true);
  });

  it('answers 503 unavailable to a request whose key cannot be checked, and publishes nothing', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/ticks',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify(tick('DBDOWN')),
    });
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().error).toEqual({ code: 'unavailable', message: expect.any(String) });
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres/i);
    expect(published).toEqual([]);
  });
});
