import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ingest, postTicks, startIngest, tick, uniqueSymbol } from './support.js';

describe('requests that are not ticks', () => {
  let ingest: Ingest;
  beforeAll(async () => {
    ingest = await startIngest();
  });
  afterAll(async () => ingest?.close());

  it.each([
    ['a truncated array', '[{"symbol":"X","price":"1"'],
    ['a trailing comma', '[{"symbol":"X","price":"1","ts":"2026-11-25T14:00:00Z"},]'],
    ['NaN', '{"symbol":"X","price":NaN,"ts":"2026-11-25T14:00:00Z"}'],
    ['two values', '{} {}'],
    ['a bare word', 'ticks'],
  ])('%s → 400 bad_request', async (_name, raw) => {
    const res = await postTicks(ingest.app, raw);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await ingest.app.inject({
      method: 'POST',
      url: '/api/v1/ticks',
      payload: 'symbol=X&price=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers 400 to text/plain even when the text is JSON', async () => {
    const res = await postTicks(ingest.app, tick(uniqueSymbol()), { 'content-type': 'text/plain' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers 400 to a request without a body', async () => {
    const res = await ingest.app.inject({ method: 'POST', url: '/api/v1/ticks' });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers 422 to an empty array', async () => {
    const res = await postTicks(ingest.app, '[]');
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it.each([
    ['null', 'null'],
    ['a string', '"GBPUSD"'],
    ['a nested array', '[[]]'],
  ])('answers 422 to %s', async (_name, raw) => {
    const res = await postTicks(ingest.app, raw);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
  });
});
