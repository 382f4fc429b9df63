import { createMetricsRegistry } from '@cpt/platform';
import { type Exposition, forbiddenLabelValues, parseExposition, sampleSum } from '@cpt/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { type Ingest, postTicks, series, startIngest, tick, uniqueSymbol } from './support.js';

async function scrape(ingest: Ingest): Promise<Exposition> {
  const res = await ingest.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: '' } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.body);
}

describe('GET /metrics on price-ingest (section 11)', () => {
  const started: Ingest[] = [];
  afterAll(async () => {
    await Promise.all(started.map((i) => i.close()));
  });

  it('counts ticks accepted and refused by reason, and the publish latency, without a key', async () => {
    const ingest = await startIngest({ metrics: createMetricsRegistry('price-ingest') });
    started.push(ingest);
    const symbol = uniqueSymbol('MET');
    expect((await postTicks(ingest.app, series(symbol, 3))).statusCode).toBe(202);
    expect((await postTicks(ingest.app, tick(symbol))).statusCode).toBe(202);
    // All or nothing: the one bad tick refuses the four of its request.
    expect((await postTicks(ingest.app, [...series(symbol, 3), tick(symbol, { price: 'x' })])).statusCode).toBe(422);
    expect((await postTicks(ingest.app, series(symbol, 10_001))).statusCode).toBe(413);
    // Refused before its body is read: counted as a request, not as ticks.
    expect((await postTicks(ingest.app, series(symbol, 2), { authorization: '' })).statusCode).toBe(401);

    const m = await scrape(ingest);
    expect(sampleSum(m, 'cpt_ticks_accepted_total')).toBe(4);
    expect(sampleSum(m, 'cpt_ticks_refused_total', { reason: 'validation_failed' })).toBe(4);
    expect(sampleSum(m, 'cpt_ticks_refused_total', { reason: 'payload_too_large' })).toBe(10_001);
    expect(sampleSum(m, 'cpt_ticks_refused_total')).toBe(10_005);
    const ticksRoute = (status: string) => sampleSum(m, 'cpt_http_requests_total', { route: '/api/v1/ticks', method: 'POST', status });
    expect([ticksRoute('202'), ticksRoute('422'), ticksRoute('413'), ticksRoute('401')]).toEqual([2, 1, 1, 1]);
    expect(sampleSum(m, 'cpt_kafka_publish_duration_seconds_count', { topic: 'market.ticks', outcome: 'acknowledged' })).toBe(2);
    expect(sampleSum(m, 'cpt_kafka_publish_duration_seconds_sum', { topic: 'market.ticks' })).toBeGreaterThan(0);
    expect(forbiddenLabelValues(m, [ingest.key.key, ingest.key.accountId, ingest.key.keyId, symbol])).toEqual([]);
  });

  it('counts the ticks Kafka did not take as unavailable, and the publish as failed', async () => {
    const ingest = await startIngest({
      brokers: ['127.0.0.1:1'],
      sendTimeoutMs: 1500,
      connectionTimeoutMs: 300,
      metrics: createMetricsRegistry('price-ingest'),
    });
    started.push(ingest);
    expect((await postTicks(ingest.app, series(uniqueSymbol('DOWN'), 5))).statusCode).toBe(503);
    const m = await scrape(ingest);
    expect(sampleSum(m, 'cpt_ticks_refused_total', { reason: 'unavailable' })).toBe(5);
    expect(sampleSum(m, 'cpt_ticks_accepted_total')).toBe(0);
    expect(sampleSum(m, 'cpt_kafka_publish_duration_seconds_count', { topic: 'market.ticks', outcome: 'failed' })).toBe(1);
  });
});
