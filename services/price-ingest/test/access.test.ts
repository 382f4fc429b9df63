import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ingest, postTicks, startIngest, tick, uniqueSymbol } from './support.js';

/** Section 7 on price-ingest: only a valid key with `ticks:write` posts ticks. */
describe('who may post ticks', () => {
  let ingest: Ingest;
  let keys: Record<string, TestKey>;
  beforeAll(async () => {
    ingest = await startIngest();
    const accountId = ingest.key.accountId;
    keys = {
      expired: await createTestKey(ingest.orm, { accountId, expiresAt: new Date(Date.now() - 1000) }),
      revoked: await createTestKey(ingest.orm, { accountId }),
      readOnly: await createTestKey(ingest.orm, { accountId, scopes: ['campaigns:read', 'campaigns:write', 'admin'] }),
      other: await createTestKey(ingest.orm, { scopes: ['ticks:write'] }),
    };
    // Revoked straight in the database, before it is ever presented.
    await ingest.orm.em.fork().execute('update api_keys set revoked_at = now() where id = ?', [keys.revoked?.keyId]);
  });
  afterAll(async () => ingest?.close());

  const bodies = [tick(uniqueSymbol()), 'not json at all', [tick(uniqueSymbol(), { price: '-1' })]];

  it.each([
    ['no key', { authorization: '' }],
    ['a malformed key', { authorization: 'Bearer abc' }],
    ['an unknown key', { authorization: `Bearer cpt_${'C'.repeat(43)}` }],
    ['a key of another scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
  ])('answers %s with 401 and WWW-Authenticate, whatever the body', async (_what, headers) => {
    for (const body of bodies) {
      const res = await postTicks(ingest.app, body, headers);
      expect([res.statusCode, res.json().error.code, res.headers['www-authenticate']], res.body).toEqual([
        401,
        'unauthenticated',
        'Bearer',
      ]);
    }
  });

  it('answers an expired or a revoked key with 401, a key without ticks:write with 403', async () => {
    for (const k of [keys.expired, keys.revoked]) {
      const res = await postTicks(ingest.app, tick(uniqueSymbol()), k?.headers);
      expect([res.statusCode, res.json().error.code]).toEqual([401, 'unauthenticated']);
    }
    const res = await postTicks(ingest.app, tick(uniqueSymbol()), keys.readOnly?.headers);
    expect([res.statusCode, res.json().error.code]).toEqual([403, 'forbidden']);
  });

  it('takes ticks from any account’s feed key: market data is shared', async () => {
    const res = await postTicks(ingest.app, tick(uniqueSymbol()), keys.other?.headers);
    expect([res.statusCode, res.json()]).toEqual([202, { accepted: 1 }]);
  });

  it('serves the health, docs and document without a key', async () => {
    for (const url of ['/health/live', '/openapi.json', '/docs/']) {
      const res = await ingest.app.inject({ method: 'GET', url, headers: { authorization: '' } });
      expect(res.statusCode, url).toBe(200);
    }
  });
});

describe('the rate limit of a key', () => {
  let ingest: Ingest;
  beforeAll(async () => {
    ingest = await startIngest({ rateMax: 3 });
  });
  afterAll(async () => ingest?.close());

  it('answers past the rate with 429 rate_limited and Retry-After, per key', async () => {
    const statuses: number[] = [];
    let last = await postTicks(ingest.app, tick(uniqueSymbol()));
    statuses.push(last.statusCode);
    for (let i = 0; i < 4; i++) {
      last = await postTicks(ingest.app, tick(uniqueSymbol()));
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(last.json().error.code).toBe('rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const fresh = await createTestKey(ingest.orm, { scopes: ['ticks:write'] });
    expect((await postTicks(ingest.app, tick(uniqueSymbol()), fresh.headers)).statusCode).toBe(202);
  });
});

describe('ticks dated where no mark may go (section 4)', () => {
  let ingest: Ingest;
  beforeAll(async () => {
    ingest = await startIngest();
  });
  afterAll(async () => ingest?.close());

  it('refuses a tick more than 60 s ahead of the server’s clock with 422 naming it, and takes one 50 s ahead', async () => {
    const ahead = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    for (const ts of [ahead(61), '2099-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) {
      const res = await postTicks(ingest.app, [tick(uniqueSymbol()), tick(uniqueSymbol(), { ts })]);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.details).toEqual([{ path: '[1].ts', message: 'must not be more than 60 s in the future' }]);
    }
    expect((await postTicks(ingest.app, tick(uniqueSymbol(), { ts: ahead(50) }))).statusCode).toBe(202);
  });

  it('refuses a tick of year 0000, or of a year past 9999 once in UTC, with 422', async () => {
    for (const ts of ['0000-01-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '2026-02-30T00:00:00Z']) {
      const res = await postTicks(ingest.app, tick(uniqueSymbol(), { ts }));
      expect(res.statusCode, `${ts}: ${res.body}`).toBe(422);
      expect(res.json().error.details[0].path).toBe('ts');
    }
  });
});

describe('tick fields (section 1)', () => {
  let ingest: Ingest;
  beforeAll(async () => {
    ingest = await startIngest();
  });
  afterAll(async () => ingest?.close());

  it('names a field a tick does not define, in one tick or in an array, and publishes nothing', async () => {
    const one = await postTicks(ingest.app, { ...tick(uniqueSymbol()), sorce: 'feed-b' });
    expect([one.statusCode, one.json().error.details]).toEqual([422, [{ path: 'sorce', message: 'unknown field' }]]);
    const many = await postTicks(ingest.app, [tick(uniqueSymbol()), { ...tick(uniqueSymbol()), volume: 10 }]);
    expect([many.statusCode, many.json().error.details]).toEqual([422, [{ path: '[1].volume', message: 'unknown field' }]]);
    const missing = await postTicks(ingest.app, { symbol: uniqueSymbol(), ts: '2026-11-25T14:00:00Z' });
    expect(missing.json().error.details).toEqual([{ path: 'price', message: 'required' }]);
  });

  it('says what each mistaken field of a tick should be', async () => {
    const s = uniqueSymbol();
    const res = await postTicks(ingest.app, [
      tick(s, { symbol: 42 }),
      tick(s, { price: 'abc' }),
      tick(s, { price: '1e5' }),
      tick(s, { ts: '2026-11-25T14:00:00' }),
      tick(s, { source: 7 }),
      { price: '1.25', ts: '2026-11-25T14:00:00Z', sym: s },
      'GBPUSD',
    ]);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error.code).toBe('validation_failed');
    expect(res.json().error.details).toEqual([
      { path: '[0].symbol', message: 'expected a string' },
      { path: '[1].price', message: 'must be a decimal in plain notation' },
      { path: '[2].price', message: 'must be a decimal in plain notation' },
      {
        path: '[3].ts',
        message: 'must be an RFC 3339 timestamp with an explicit offset in the years 0001–9999, e.g. 2026-11-25T14:00:00Z',
      },
      { path: '[4].source', message: 'expected a string' },
      { path: '[5].symbol', message: 'required' },
      { path: '[5].sym', message: 'unknown field' },
      { path: '[6]', message: 'must be a tick object' },
    ]);
  });

  it('documents a tick as closed to other fields, alone or in an array', async () => {
    const doc = (await ingest.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const body = doc.paths['/api/v1/ticks'].post.requestBody.content['application/json'].schema;
    const [one, many] = body.anyOf as { additionalProperties?: unknown; items?: { additionalProperties?: unknown } }[];
    expect([one?.additionalProperties, many?.items?.additionalProperties]).toEqual([false, false]);
  });
});
