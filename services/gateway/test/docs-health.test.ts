import { databaseProbe } from '@cpt/application';
import { createKafka, kafkaProbe } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { testKafkaBrokers } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, get } from './api.js';
import { type Gateway, startGateway } from './support.js';

describe('documentation', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw.close());

  it('serves an OpenAPI 3 document with every path of the contract', async () => {
    const res = await get(gw.app, '/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/v1/campaigns',
        'GET /api/v1/campaigns',
        'GET /api/v1/campaigns/{id}',
        'PATCH /api/v1/campaigns/{id}',
        'POST /api/v1/campaigns/{id}/close',
        'GET /api/v1/campaigns/{id}/positions',
        'POST /api/v1/campaigns/{id}/positions',
        'PATCH /api/v1/positions/{id}',
        'POST /api/v1/positions/{id}/close',
        'GET /api/v1/ws',
        'GET /health/live',
        'GET /health/ready',
      ]),
    );
    const position = doc.paths['/api/v1/campaigns/{id}/positions'].post;
    expect(Object.keys(position.responses)).toEqual(expect.arrayContaining(['201', '400', '404', '409', '422', '503']));
    const body = position.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['pattern_type', 'entry_price', 'shares', 'stop_loss']));
  });

  it('serves a browsable page at /docs', async () => {
    let res = await get(gw.app, '/docs');
    if (res.statusCode >= 300 && res.statusCode < 400) res = await get(gw.app, String(res.headers.location));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger/i);
    const spec = await get(gw.app, '/docs/json');
    expect(spec.statusCode).toBe(200);
    expect(Object.keys(spec.json().paths)).toEqual(Object.keys((await get(gw.app, '/openapi.json')).json().paths));
  });
});

describe('health', () => {
  it('answers /health/live 200 while the process runs', async () => {
    const gw = await startGateway({ probes: { database: async () => false } });
    try {
      const res = await get(gw.app, '/health/live');
      expect([res.statusCode, res.json()]).toEqual([200, { status: 'ok' }]);
    } finally {
      await gw.close();
    }
  });

  it('answers /health/ready 200 while the real PostgreSQL and Kafka answer', async () => {
    const kafka = kafkaProbe(
      createKafka({ brokers: testKafkaBrokers(), clientId: 'gateway-test' }, createLogger('gateway-test', 'silent')),
    );
    const gw = await startGateway({ probes: (orm) => ({ database: databaseProbe(orm), kafka: kafka.check }) });
    try {
      const res = await get(gw.app, '/health/ready');
      expect([res.statusCode, res.json()]).toEqual([200, { status: 'ready', checks: { database: 'up', kafka: 'up' } }]);
    } finally {
      await gw.close();
      await kafka.close();
    }
  });

  it.each([
    ['answers false', async () => false],
    ['throws', async (): Promise<boolean> => Promise.reject(new Error('broker gone'))],
  ])('answers /health/ready 503 unavailable when a probe %s', async (_what, kafka) => {
    const gw = await startGateway({ probes: { database: async () => true, kafka } });
    try {
      const error = expectError(await get(gw.app, '/health/ready'), 503, 'unavailable');
      expect(error.details).toEqual({ checks: { database: 'up', kafka: 'down' } });
      expect(error.message).not.toMatch(/broker gone/);
    } finally {
      await gw.close();
    }
  });

  it('answers /health/ready 503 once the gateway stops accepting traffic', async () => {
    let accepting = true;
    const gw = await startGateway({ accepting: () => accepting });
    try {
      expect((await get(gw.app, '/health/ready')).statusCode).toBe(200);
      accepting = false;
      expectError(await get(gw.app, '/health/ready'), 503, 'unavailable');
    } finally {
      await gw.close();
    }
  });
});
