import { createKafka, kafkaProbe } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { testKafkaBrokers } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ingest, postTicks, series, startIngest, tick, uniqueSymbol } from './support.js';

// Nothing listens on port 1: every connection is refused at once.
const NOWHERE = ['127.0.0.1:1'];

describe('when Kafka cannot be reached', () => {
  let ingest: Ingest;
  beforeAll(async () => {
    ingest = await startIngest({ brokers: NOWHERE, sendTimeoutMs: 1500, connectionTimeoutMs: 300 });
  });
  afterAll(async () => ingest?.close());

  it('answers 503 unavailable within a few seconds, never 202', async () => {
    const started = Date.now();
    const res = await postTicks(ingest.app, series(uniqueSymbol('DOWN'), 10));
    const took = Date.now() - started;
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().error).toEqual({ code: 'unavailable', message: expect.any(String) });
    expect(res.json().error.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|kafkajs/i);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(took).toBeLessThan(4000);
  });

  it('keeps answering 503 to every request while Kafka stays away', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => postTicks(ingest.app, tick(uniqueSymbol('DOWN')))));
    expect(answers.map((r) => r.statusCode)).toEqual([503, 503, 503, 503, 503]);
  });

  it('still judges a bad request first: 422, not 503', async () => {
    const res = await postTicks(ingest.app, tick(uniqueSymbol('DOWN'), { price: '1e5' }));
    expect(res.statusCode).toBe(422);
  });
});

describe('GET /health/ready follows the Kafka probe', () => {
  const log = createLogger('price-ingest-test', 'silent');
  const up = kafkaProbe(createKafka({ brokers: testKafkaBrokers(), clientId: 'price-ingest-test' }, log));
  const down = kafkaProbe(createKafka({ brokers: NOWHERE, clientId: 'price-ingest-test', connectionTimeoutMs: 300 }, log), 1000);
  let withUp: Ingest;
  let withDown: Ingest;
  beforeAll(async () => {
    [withUp, withDown] = await Promise.all([
      startIngest({ probes: { kafka: up.check } }),
      startIngest({ brokers: NOWHERE, sendTimeoutMs: 1500, connectionTimeoutMs: 300, probes: { kafka: down.check } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([withUp?.close(), withDown?.close(), up.close(), down.close()]);
  });

  it('is 200 while Kafka answers', async () => {
    const res = await withUp.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { kafka: 'up' } });
  });

  it('is 503 unavailable while it does not, within the probe deadline', async () => {
    const started = Date.now();
    const res = await withDown.app.inject({ method: 'GET', url: '/health/ready' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'unavailable', details: { checks: { kafka: 'down' } } });
  });

  it('keeps /health/live at 200 either way', async () => {
    for (const ingest of [withUp, withDown]) {
      const res = await ingest.app.inject({ method: 'GET', url: '/health/live' });
      expect(res.statusCode).toBe(200);
    }
  });
});
