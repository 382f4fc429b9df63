import { createTestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, get, post, type Res } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

const ALLOWED = 'https://desk.example.com';
const FOREIGN = 'https://evil.example.net';

/** A CORS preflight of a browser page at `origin` for a POST with a key and a JSON body. */
const preflight = (gw: Gateway, origin: string, url = '/api/v1/campaigns'): Promise<Res> =>
  gw.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      authorization: '',
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, if-match',
    },
  });

/** Helmet's headers: what the gateway puts on every answer, API and pages alike. */
function expectSecurityHeaders(res: Res, what: string) {
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['content-security-policy'], what).toEqual(expect.stringContaining("default-src 'self'"));
  expect(res.headers['x-frame-options'], what).toBeDefined();
  expect(res.headers['strict-transport-security'], what).toBeDefined();
  expect(res.headers['x-powered-by'], what).toBeUndefined();
}

describe('CORS (only the configured origins)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ corsOrigins: [ALLOWED] });
  });
  afterAll(async () => gw?.close());

  it('answers a preflight from an allowed origin with access-control-allow-origin for it, without a key', async () => {
    const res = await preflight(gw, ALLOWED);
    expect(res.statusCode, res.body).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/\bPOST\b/);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/\bauthorization\b/);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toMatch(/\bif-match\b/);
  });

  it.each([FOREIGN, 'null', `${ALLOWED}.evil.example.net`, 'http://desk.example.com', `${ALLOWED}:8443`])(
    'gives a preflight from %s no access-control-allow-origin',
    async (origin) => {
      const res = await preflight(gw, origin);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('lets the allowed origin read answers and their headers, and no other origin', async () => {
    const ok = await post(gw.app, '/api/v1/campaigns', { name: 'cors', symbol: uniqueSymbol('CO'), timeframe: '1h' }, { origin: ALLOWED });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(ok.headers['access-control-expose-headers']).toLowerCase()).toEqual(expect.stringContaining('etag'));
    const denied = await get(gw.app, '/api/v1/campaigns', { origin: ALLOWED, authorization: '' });
    expectError(denied, 401, 'unauthenticated');
    expect(denied.headers['access-control-allow-origin']).toBe(ALLOWED);
    const foreign = await get(gw.app, '/api/v1/campaigns', { origin: FOREIGN });
    expect(foreign.statusCode).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with no origin configured', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  it('allows no origin at all', async () => {
    for (const origin of [ALLOWED, FOREIGN]) {
      expect((await preflight(gw, origin)).headers['access-control-allow-origin']).toBeUndefined();
      expect((await get(gw.app, '/api/v1/campaigns', { origin })).headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('security headers (helmet)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw?.close());

  it('are on API answers, successes and errors alike', async () => {
    expectSecurityHeaders(await get(gw.app, '/api/v1/campaigns'), 'GET /api/v1/campaigns');
    expectSecurityHeaders(await get(gw.app, '/api/v1/campaigns', { authorization: '' }), '401');
    expectSecurityHeaders(await get(gw.app, '/api/v1/campaigns/not-a-uuid'), '422');
    expectSecurityHeaders(await get(gw.app, '/api/v1/nothing-here'), '404');
    expectSecurityHeaders(await post(gw.app, '/api/v1/campaigns', '{"name":'), '400');
    expectSecurityHeaders(await get(gw.app, '/health/live', { authorization: '' }), '/health/live');
    expectSecurityHeaders(await get(gw.app, '/openapi.json', { authorization: '' }), '/openapi.json');
  });

  it('are on the documentation page, whose policy lets only its own scripts run', async () => {
    let res = await get(gw.app, '/docs', { authorization: '' });
    if (res.statusCode >= 300 && res.statusCode < 400) res = await get(gw.app, String(res.headers.location), { authorization: '' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/(^|;)\s*script-src [^;]+/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-eval'/);
    expect(csp).not.toMatch(/script-src[^;]*\*/);
  });
});

describe('the rate limit of a key', () => {
  let gw: Gateway;
  beforeAll(async () => {
    // A window far longer than the test: the count cannot start over halfway through.
    gw = await startGateway({ rateMax: 3, rateWindowMs: 60_000 });
  });
  afterAll(async () => gw?.close());

  it('answers past the rate with 429 rate_limited and Retry-After, per key; another key is unaffected', async () => {
    const statuses: number[] = [];
    let last: Res | undefined;
    for (let i = 0; i < 5; i++) {
      last = await get(gw.app, '/api/v1/campaigns?limit=1');
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expectError(last as Res, 429, 'rate_limited');
    const retryAfter = Number((last as Res).headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Past the limit, commands are refused before they run.
    expectError(
      await post(gw.app, '/api/v1/campaigns', { name: 'late', symbol: uniqueSymbol('RL'), timeframe: '1h' }),
      429,
      'rate_limited',
    );

    const other = await createTestKey(gw.orm);
    for (let i = 0; i < 3; i++) expect((await get(gw.app, '/api/v1/campaigns?limit=1', other.headers)).statusCode).toBe(200);
    const sameAccount = await createTestKey(gw.orm, { accountId: gw.key.accountId });
    expect((await get(gw.app, '/api/v1/campaigns?limit=1', sameAccount.headers)).statusCode).toBe(200);
    // Without a key the answer is 401 whatever the rate; the public routes have no key to count.
    expectError(await get(gw.app, '/api/v1/campaigns', { authorization: '' }), 401, 'unauthenticated');
    expect((await get(gw.app, '/health/live', { authorization: '' })).statusCode).toBe(200);
  });
});
