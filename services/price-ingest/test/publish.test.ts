import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TicksTap, tapTicks, testKafka } from './kafka-tap.js';
import { type Ingest, postTicks, series, startIngest, tick, uniqueSymbol } from './support.js';

const UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('POST /api/v1/ticks publishes to market.ticks', () => {
  let ingest: Ingest;
  let tap: TicksTap;
  beforeAll(async () => {
    [ingest, tap] = await Promise.all([startIngest(), tapTicks(testKafka())]);
  });
  afterAll(async () => {
    await Promise.all([ingest?.close(), tap?.stop()]);
  });

  it('publishes one tick as exactly one message keyed by its symbol, with the request id', async () => {
    const symbol = uniqueSymbol('one');
    const before = Date.now();
    const res = await postTicks(
      ingest.app,
      { symbol: symbol.toLowerCase(), price: '1.2575', ts: '2026-11-25T15:00:00.25+01:00', source: 'feed-a' },
      { 'x-request-id': 'req-one-tick' },
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 1 });
    expect(res.headers['x-request-id']).toBe('req-one-tick');

    const [m] = await tap.waitFor(symbol, 1);
    expect(m?.key).toBe(symbol);
    expect(m?.requestId).toBe('req-one-tick');
    expect(m?.value).toEqual({
      v: 1,
      symbol,
      price: '1.25750000',
      ts: '2026-11-25T14:00:00.250Z',
      source: 'feed-a',
      ingested_at: expect.stringMatching(UTC_MS),
    });
    const ingestedAt = Date.parse(String(m?.value.ingested_at));
    expect(ingestedAt).toBeGreaterThanOrEqual(before - 1);
    expect(ingestedAt).toBeLessThanOrEqual(Date.now());
    // Nothing else was published for the symbol: a later sentinel is the very next message.
    const sentinel = await postTicks(ingest.app, { symbol, price: '9.5', ts: '2026-11-25T14:00:01Z' });
    expect(sentinel.statusCode, sentinel.body).toBe(202);
    const both = await tap.waitFor(symbol, 2);
    expect(both.map((x) => x.value.price)).toEqual(['1.25750000', '9.50000000']);
  });

  it('names the source "unspecified" when the tick has none', async () => {
    const symbol = uniqueSymbol('src');
    const res = await postTicks(ingest.app, { symbol, price: 2, ts: '2026-11-25T14:00:00Z' });
    expect(res.statusCode, res.body).toBe(202);
    const [m] = await tap.waitFor(symbol, 1);
    expect(m?.value).toMatchObject({ price: '2.00000000', ts: '2026-11-25T14:00:00.000Z', source: 'unspecified' });
  });

  it('publishes an array of 1,000 ticks, each symbol in order within its partition', async () => {
    const symbols = [uniqueSymbol('a'), uniqueSymbol('b'), uniqueSymbol('c'), uniqueSymbol('d')];
    // Interleaved, as a feed of several instruments sends them.
    const perSymbol = symbols.map((s) => series(s, 250));
    const body = Array.from({ length: 1000 }, (_, i) => perSymbol[i % 4]?.[Math.floor(i / 4)]);
    const res = await postTicks(ingest.app, body, { 'x-request-id': 'req-thousand' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 1000 });

    for (const s of symbols) {
      const seen = await tap.waitFor(s, 250);
      expect(seen).toHaveLength(250);
      expect(new Set(seen.map((m) => m.partition)).size).toBe(1);
      const offsets = seen.map((m) => m.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
      expect(seen.map((m) => m.value.price)).toEqual(Array.from({ length: 250 }, (_, i) => `${i + 1}.50000000`));
      expect(seen.every((m) => m.requestId === 'req-thousand' && m.key === s)).toBe(true);
    }
  });

  it('keeps every digit of prices sent as JSON numbers', async () => {
    const symbol = uniqueSymbol('num');
    const raw = `[{"symbol":"${symbol}","price":1234567890.12345678,"ts":"2026-11-25T14:00:00Z"},
      {"symbol":"${symbol}","price":0.00000001,"ts":"2026-11-25T14:00:01Z"},
      {"symbol":"${symbol}","price":9999999999.99999999,"ts":"2026-11-25T14:00:02Z"},
      {"symbol":"${symbol}","price":1.10,"ts":"2026-11-25T14:00:03Z"}]`;
    const res = await postTicks(ingest.app, raw);
    expect(res.statusCode, res.body).toBe(202);
    const seen = await tap.waitFor(symbol, 4);
    expect(seen.map((m) => m.value.price)).toEqual(['1234567890.12345678', '0.00000001', '9999999999.99999999', '1.10000000']);
  });

  it('makes up an x-request-id when the caller sends none, and publishes with it', async () => {
    const symbol = uniqueSymbol('rid');
    const res = await postTicks(ingest.app, tick(symbol));
    expect(res.statusCode, res.body).toBe(202);
    const id = res.headers['x-request-id'];
    expect(typeof id).toBe('string');
    expect(String(id).length).toBeGreaterThan(0);
    const [m] = await tap.waitFor(symbol, 1);
    expect(m?.requestId).toBe(id);
  });
});
