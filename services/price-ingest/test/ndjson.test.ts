import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TicksTap, tapTicks, testKafka } from './kafka-tap.js';
import { type Ingest, type Res, series, startIngest, tick, uniqueSymbol } from './support.js';

const postNdjson = (ingest: Ingest, body: string, type = 'application/x-ndjson'): Promise<Res> =>
  ingest.app.inject({ method: 'POST', url: '/api/v1/ticks', payload: body, headers: { 'content-type': type } });

const lines = (ticks: unknown[]): string => ticks.map((t) => JSON.stringify(t)).join('\n');

describe('NDJSON bodies', () => {
  let ingest: Ingest;
  let tap: TicksTap;
  beforeAll(async () => {
    [ingest, tap] = await Promise.all([startIngest(), tapTicks(testKafka())]);
  });
  afterAll(async () => {
    await Promise.all([ingest?.close(), tap?.stop()]);
  });

  it('accepts many lines, in order, with blank lines and CRLF ignored', async () => {
    const symbol = uniqueSymbol('ND');
    const body = `${series(symbol, 2000)
      .map((t) => JSON.stringify(t))
      .join('\r\n')}\n\n`;
    const res = await postNdjson(ingest, body);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: 2000 });
    const seen = await tap.waitFor(symbol, 2000);
    expect(seen.map((m) => m.value.price)).toEqual(Array.from({ length: 2000 }, (_, i) => `${i + 1}.50000000`));
  });

  it('accepts application/jsonl, and numbers with their exact text', async () => {
    const symbol = uniqueSymbol('ND');
    const body = `{"symbol":"${symbol}","price":1234567890.12345678,"ts":"2026-11-25T14:00:00Z"}\n{"symbol":"${symbol}","price":0.1,"ts":"2026-11-25T14:00:01Z"}`;
    const res = await postNdjson(ingest, body, 'application/jsonl');
    expect(res.statusCode, res.body).toBe(202);
    const seen = await tap.waitFor(symbol, 2);
    expect(seen.map((m) => m.value.price)).toEqual(['1234567890.12345678', '0.10000000']);
  });

  it('answers 400 naming the malformed line, and publishes nothing', async () => {
    const symbol = uniqueSymbol('ND');
    const good = series(symbol, 5).map((t) => JSON.stringify(t));
    const body = [good[0], good[1], '', good[2], '{"symbol":"X",', good[3]].join('\n');
    const res = await postNdjson(ingest, body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/\bline 5\b/) });
    await expectOnlySentinel(symbol);
  });

  it('answers 422 naming the index of the invalid tick, and publishes nothing', async () => {
    const symbol = uniqueSymbol('ND');
    const ticks = series(symbol, 5);
    ticks[2] = tick(symbol, { ts: '2026-11-25T14:00:00' });
    const res = await postNdjson(ingest, lines(ticks));
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: '[2].ts' }] });
    await expectOnlySentinel(symbol);
  });

  it('answers 422 to a body of blank lines', async () => {
    const res = await postNdjson(ingest, '\n\n  \n');
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
  });

  it('answers 413 past 10,000 lines', async () => {
    const res = await postNdjson(ingest, lines(series(uniqueSymbol('ND'), 10_001)));
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  async function expectOnlySentinel(symbol: string): Promise<void> {
    const sentinel = await postNdjson(ingest, JSON.stringify(tick(symbol, { price: '777' })));
    expect(sentinel.statusCode, sentinel.body).toBe(202);
    // A symbol's messages share one partition, read in order: anything published before the
    // sentinel would have arrived before it.
    await tap.waitFor(symbol, 1);
    expect(tap.of(symbol).map((m) => m.value.price)).toEqual(['777.00000000']);
  }
});
