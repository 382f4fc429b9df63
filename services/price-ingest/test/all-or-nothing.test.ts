import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TicksTap, tapTicks, testKafka } from './kafka-tap.js';
import { type Ingest, postTicks, series, startIngest, tick, uniqueSymbol } from './support.js';

interface Fault {
  name: string;
  /** The invalid tick as JSON text, so that numbers keep the exact text a feed wrote. */
  raw: (symbol: string) => string;
  path: string;
}

const TS = '"ts":"2026-11-25T14:00:09Z"';
const FAULTS: Fault[] = [
  { name: 'a price that is not a number', raw: (s) => `{"symbol":"${s}","price":"abc",${TS}}`, path: '[3].price' },
  { name: 'a price in exponent notation (string)', raw: (s) => `{"symbol":"${s}","price":"1e5",${TS}}`, path: '[3].price' },
  { name: 'a price in exponent notation (number)', raw: (s) => `{"symbol":"${s}","price":1E5,${TS}}`, path: '[3].price' },
  { name: 'a price with 9 decimals (string)', raw: (s) => `{"symbol":"${s}","price":"1.123456789",${TS}}`, path: '[3].price' },
  { name: 'a price with 9 decimals (number)', raw: (s) => `{"symbol":"${s}","price":1.123456789,${TS}}`, path: '[3].price' },
  { name: 'a price with 11 integer digits', raw: (s) => `{"symbol":"${s}","price":"12345678901",${TS}}`, path: '[3].price' },
  { name: 'a zero price', raw: (s) => `{"symbol":"${s}","price":"0",${TS}}`, path: '[3].price' },
  { name: 'a negative price', raw: (s) => `{"symbol":"${s}","price":-1.5,${TS}}`, path: '[3].price' },
  { name: 'an empty price', raw: (s) => `{"symbol":"${s}","price":"",${TS}}`, path: '[3].price' },
  { name: 'a missing ts', raw: (s) => `{"symbol":"${s}","price":"1.5"}`, path: '[3].ts' },
  { name: 'a ts without offset', raw: (s) => `{"symbol":"${s}","price":"1.5","ts":"2026-11-25T14:00:00"}`, path: '[3].ts' },
  { name: 'a ts that is not a date', raw: (s) => `{"symbol":"${s}","price":"1.5","ts":"2026-02-30T14:00:00Z"}`, path: '[3].ts' },
  { name: 'a bad symbol', raw: () => `{"symbol":"GBP USD","price":"1.5",${TS}}`, path: '[3].symbol' },
  { name: 'a symbol of 33 characters', raw: () => `{"symbol":"${'A'.repeat(33)}","price":"1.5",${TS}}`, path: '[3].symbol' },
  { name: 'an empty source', raw: (s) => `{"symbol":"${s}","price":"1.5",${TS},"source":""}`, path: '[3].source' },
  // Contract section 1: NUL and unpaired surrogates are refused, escapes written as a feed would send them.
  { name: 'a source with NUL', raw: (s) => `{"symbol":"${s}","price":"1.5",${TS},"source":"feed\\u0000a"}`, path: '[3].source' },
  { name: 'a source that is NUL alone', raw: (s) => `{"symbol":"${s}","price":"1.5",${TS},"source":"\\u0000"}`, path: '[3].source' },
  {
    name: 'a source with a lone high surrogate',
    raw: (s) => `{"symbol":"${s}","price":"1.5",${TS},"source":"feed \\ud800"}`,
    path: '[3].source',
  },
  {
    name: 'a source with a lone low surrogate',
    raw: (s) => `{"symbol":"${s}","price":"1.5",${TS},"source":"\\udc00feed"}`,
    path: '[3].source',
  },
  { name: 'a tick that is a number', raw: () => '42', path: '[3]' },
  { name: 'a tick inside an array', raw: (s) => `[{"symbol":"${s}","price":"1.5",${TS}}]`, path: '[3]' },
];

describe('a request with one invalid tick is rejected whole', () => {
  let ingest: Ingest;
  let tap: TicksTap;
  beforeAll(async () => {
    [ingest, tap] = await Promise.all([startIngest(), tapTicks(testKafka())]);
  });
  afterAll(async () => {
    await Promise.all([ingest?.close(), tap?.stop()]);
  });

  /** Posts a sentinel and proves it is the first and only message of the symbol: nothing before it was published. */
  async function expectNothingPublished(symbol: string): Promise<void> {
    const sentinel = await postTicks(ingest.app, tick(symbol, { price: '777.7' }));
    expect(sentinel.statusCode, sentinel.body).toBe(202);
    // A symbol's messages share one partition, read in order: anything published before the
    // sentinel would have arrived before it.
    await tap.waitFor(symbol, 1);
    expect(tap.of(symbol).map((m) => m.value.price)).toEqual(['777.70000000']);
  }

  it.each(FAULTS)('$name → 422 naming $path, nothing published', async ({ raw, path }) => {
    const symbol = uniqueSymbol('BAD');
    const good = series(symbol, 5).map((t) => JSON.stringify(t));
    good[3] = raw(symbol);
    const res = await postTicks(ingest.app, `[${good.join(',')}]`);
    expect(res.statusCode, res.body).toBe(422);
    const { error } = res.json();
    expect(error.code).toBe('validation_failed');
    expect(error.details).toEqual([{ path, message: expect.any(String) }]);
    await expectNothingPublished(symbol);
  });

  it('names every invalid tick, by index and field', async () => {
    const symbol = uniqueSymbol('BAD');
    const body = series(symbol, 6);
    body[1] = tick(symbol, { price: '1.000000001' });
    body[4] = tick(symbol, { ts: '2026-11-25 14:00' });
    body[5] = tick('not a symbol!', {});
    const res = await postTicks(ingest.app, body);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.details.map((d: { path: string }) => d.path)).toEqual(['[1].price', '[4].ts', '[5].symbol']);
    await expectNothingPublished(symbol);
  });

  it('names the field without an index when the body is a single tick', async () => {
    const symbol = uniqueSymbol('BAD');
    const res = await postTicks(ingest.app, tick(symbol, { price: '1.5e3' }));
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ path: 'price' }] });
    await expectNothingPublished(symbol);
  });
});
