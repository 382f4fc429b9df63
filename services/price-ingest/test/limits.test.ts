import { MAX_TICKS_PER_REQUEST } from '@cpt/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TicksTap, tapTicks, testKafka } from './kafka-tap.js';
import { type Ingest, postTicks, series, startIngest, uniqueSymbol } from './support.js';

describe('request size limits', () => {
  let ingest: Ingest;
  let tap: TicksTap;
  beforeAll(async () => {
    [ingest, tap] = await Promise.all([startIngest(), tapTicks(testKafka())]);
  });
  afterAll(async () => {
    await Promise.all([ingest?.close(), tap?.stop()]);
  });

  it(`accepts ${MAX_TICKS_PER_REQUEST} ticks of one symbol, the largest request there is, and publishes them all in order`, async () => {
    const symbol = uniqueSymbol('MAX');
    // The longest source and request id the contract allows: one partition gets several MiB.
    const source = 's'.repeat(64);
    const requestId = 'r'.repeat(200);
    const body = series(symbol, MAX_TICKS_PER_REQUEST).map((t) => ({ ...t, source }));
    const res = await postTicks(ingest.app, body, { 'x-request-id': requestId });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({ accepted: MAX_TICKS_PER_REQUEST });
    const seen = await tap.waitFor(symbol, MAX_TICKS_PER_REQUEST, 30_000);
    expect(seen).toHaveLength(MAX_TICKS_PER_REQUEST);
    expect(seen.map((m) => m.value.price)).toEqual(Array.from({ length: MAX_TICKS_PER_REQUEST }, (_, i) => `${i + 1}.50000000`));
    expect(seen.every((m) => m.requestId === requestId && m.value.source === source)).toBe(true);
  });

  it('accepts several full requests at once and keeps each symbol in order', async () => {
    const symbols = [uniqueSymbol('MAX'), uniqueSymbol('MAX'), uniqueSymbol('MAX')];
    const answers = await Promise.all(symbols.map((s) => postTicks(ingest.app, series(s, MAX_TICKS_PER_REQUEST))));
    expect(answers.map((r) => r.statusCode)).toEqual([202, 202, 202]);
    for (const s of symbols) {
      const seen = await tap.waitFor(s, MAX_TICKS_PER_REQUEST, 30_000);
      expect(seen.map((m) => m.value.price)).toEqual(Array.from({ length: MAX_TICKS_PER_REQUEST }, (_, i) => `${i + 1}.50000000`));
    }
  });

  it(`answers 413 to ${MAX_TICKS_PER_REQUEST + 1} ticks and publishes none`, async () => {
    const symbol = uniqueSymbol('OVER');
    const res = await postTicks(ingest.app, series(symbol, MAX_TICKS_PER_REQUEST + 1));
    expect(res.statusCode, res.body).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    const sentinel = await postTicks(ingest.app, series(symbol, 1, 99));
    expect(sentinel.statusCode).toBe(202);
    await tap.waitFor(symbol, 1);
    expect(tap.of(symbol).map((m) => m.value.price)).toEqual(['100.50000000']);
  });

  it('answers 413 to a body past the byte limit', async () => {
    const res = await postTicks(ingest.app, `[${' '.repeat(9 * 1024 * 1024)}]`);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });
});
