import { randomUUID } from 'node:crypto';
import { SCOPES, type Scope } from '@cpt/domain';
import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, createCampaign, expectError, expectInvalid, get, openPosition, type Res } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * Section 7's access rules, cell by cell: every endpoint × every kind of key. The owner's
 * campaign and position are the targets; a refused request must change none of it.
 */
type Kind =
  | 'no key'
  | 'malformed key'
  | 'unknown key'
  | 'expired key'
  | 'revoked key'
  | 'key without the scope'
  | 'key of another account'
  | 'right key';
const KINDS: Kind[] = [
  'no key',
  'malformed key',
  'unknown key',
  'expired key',
  'revoked key',
  'key without the scope',
  'key of another account',
  'right key',
];

interface Targets {
  campaignId: string;
  positionId: string;
  /** A second position, for commands that change it when they are allowed. */
  spareId: string;
  accountId: string;
  keyId: string;
}

interface Endpoint {
  name: string;
  scope: Scope;
  /** Whether the endpoint names a resource of an account (another account's key gets 404). */
  owned: boolean;
  send(gw: Gateway, t: Targets, headers: Record<string, string>): Promise<Res>;
  /** The status the right key gets. */
  ok: number;
}

const json = (payload: unknown) => ({ payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
const call = (gw: Gateway, method: string, url: string, headers: Record<string, string>, body?: unknown) =>
  gw.app.inject({
    method: method as 'GET',
    url,
    ...(body === undefined ? { headers } : { payload: JSON.stringify(body), headers: { ...json(body).headers, ...headers } }),
  });

const ENDPOINTS: Endpoint[] = [
  {
    name: 'GET /api/v1/campaigns',
    scope: 'campaigns:read',
    owned: false,
    ok: 200,
    send: (gw, _t, h) => call(gw, 'GET', '/api/v1/campaigns', h),
  },
  {
    name: 'POST /api/v1/campaigns',
    scope: 'campaigns:write',
    owned: false,
    ok: 201,
    send: (gw, _t, h) => call(gw, 'POST', '/api/v1/campaigns', h, { name: 'matrix', symbol: uniqueSymbol('MX'), timeframe: '1h' }),
  },
  {
    name: 'GET /api/v1/campaigns/{id}',
    scope: 'campaigns:read',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'GET', `/api/v1/campaigns/${t.campaignId}`, h),
  },
  {
    name: 'GET /api/v1/campaigns/{id}/positions',
    scope: 'campaigns:read',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'GET', `/api/v1/campaigns/${t.campaignId}/positions`, h),
  },
  {
    name: 'GET /api/v1/campaigns/{id}/journal',
    scope: 'campaigns:read',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'GET', `/api/v1/campaigns/${t.campaignId}/journal`, h),
  },
  {
    name: 'PATCH /api/v1/campaigns/{id}',
    scope: 'campaigns:write',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'PATCH', `/api/v1/campaigns/${t.campaignId}`, h, { auto_exit_on_stop: true }),
  },
  {
    name: 'POST /api/v1/campaigns/{id}/positions',
    scope: 'campaigns:write',
    owned: true,
    ok: 201,
    send: (gw, t, h) =>
      call(gw, 'POST', `/api/v1/campaigns/${t.campaignId}/positions`, h, {
        pattern_type: 'SPRING',
        entry_price: '10',
        shares: '1',
        stop_loss: '9',
        entry_date: at('09:00'),
      }),
  },
  {
    name: 'PATCH /api/v1/positions/{id}',
    scope: 'campaigns:write',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'PATCH', `/api/v1/positions/${t.positionId}`, h, { stop_loss: '9.5' }),
  },
  {
    name: 'POST /api/v1/positions/{id}/close',
    scope: 'campaigns:write',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'POST', `/api/v1/positions/${t.spareId}/close`, h, { exit_price: '11', closed_date: at('10:00') }),
  },
  {
    name: 'POST /api/v1/positions/{id}/exits',
    scope: 'campaigns:write',
    owned: true,
    ok: 201,
    send: (gw, t, h) => call(gw, 'POST', `/api/v1/positions/${t.positionId}/exits`, h, { shares: '0.5', price: '11', date: at('10:00') }),
  },
  {
    name: 'GET /api/v1/stats/patterns',
    scope: 'campaigns:read',
    // No id in the path: another account's key is answered with its own statistics.
    owned: false,
    ok: 200,
    send: (gw, _t, h) => call(gw, 'GET', '/api/v1/stats/patterns', h),
  },
  {
    name: 'GET /api/v1/campaigns/{id}/equity',
    scope: 'campaigns:read',
    owned: true,
    ok: 200,
    send: (gw, t, h) => call(gw, 'GET', `/api/v1/campaigns/${t.campaignId}/equity?from=${at('09:00')}`, h),
  },
  {
    name: 'GET /api/v1/equity',
    scope: 'campaigns:read',
    // No id in the path: another account's key is answered with its own curve.
    owned: false,
    ok: 200,
    send: (gw, _t, h) => call(gw, 'GET', `/api/v1/equity?from=${at('09:00')}`, h),
  },
  {
    name: 'GET /api/v1/account',
    scope: 'campaigns:read',
    // No id in the path: another account's key is answered with its own account.
    owned: false,
    ok: 200,
    send: (gw, _t, h) => call(gw, 'GET', '/api/v1/account', h),
  },
  {
    name: 'PATCH /api/v1/account/settings',
    scope: 'campaigns:write',
    // Another account's key changes its own settings, never the owner's (the state below).
    owned: false,
    ok: 200,
    send: (gw, _t, h) => call(gw, 'PATCH', '/api/v1/account/settings', h, { max_portfolio_heat_pct: '7.5' }),
  },
  {
    name: 'POST /api/v1/campaigns/{id}/close',
    scope: 'campaigns:write',
    owned: true,
    // Refused for its open positions: past access, the rules answer.
    ok: 409,
    send: (gw, t, h) => call(gw, 'POST', `/api/v1/campaigns/${t.campaignId}/close`, h),
  },
  {
    name: 'GET /api/v1/admin/accounts',
    scope: 'admin',
    owned: false,
    ok: 200,
    send: (gw, _t, h) => call(gw, 'GET', '/api/v1/admin/accounts?limit=1', h),
  },
  {
    name: 'POST /api/v1/admin/accounts',
    scope: 'admin',
    owned: false,
    ok: 201,
    send: (gw, _t, h) => call(gw, 'POST', '/api/v1/admin/accounts', h, { name: `matrix ${randomUUID().slice(0, 6)}` }),
  },
  {
    name: 'GET /api/v1/admin/accounts/{id}/keys',
    scope: 'admin',
    owned: false,
    ok: 200,
    send: (gw, t, h) => call(gw, 'GET', `/api/v1/admin/accounts/${t.accountId}/keys`, h),
  },
  {
    name: 'POST /api/v1/admin/accounts/{id}/keys',
    scope: 'admin',
    owned: false,
    ok: 201,
    send: (gw, t, h) => call(gw, 'POST', `/api/v1/admin/accounts/${t.accountId}/keys`, h, { name: 'matrix', scopes: ['campaigns:read'] }),
  },
  {
    name: 'DELETE /api/v1/admin/keys/{id}',
    scope: 'admin',
    owned: false,
    ok: 204,
    send: (gw, t, h) => call(gw, 'DELETE', `/api/v1/admin/keys/${t.keyId}`, h),
  },
];

describe('the access matrix of the gateway (section 7)', () => {
  let gw: Gateway;
  let owner: TestKey;
  let other: TestKey;
  let expired: TestKey;
  let revoked: TestKey;
  const withoutScope = new Map<Scope, TestKey>();
  const cells: { endpoint: string; kind: Kind; status: number }[] = [];

  beforeAll(async () => {
    gw = await startGateway();
    owner = gw.key;
    other = await createTestKey(gw.orm);
    expired = await createTestKey(gw.orm, { accountId: owner.accountId, expiresAt: new Date(Date.now() - 1000) });
    revoked = await createTestKey(gw.orm, { accountId: owner.accountId });
    // Revoked before it is ever presented, so that no verdict of it is cached.
    expectStatus(await call(gw, 'DELETE', `/api/v1/admin/keys/${revoked.keyId}`, {}), 204);
    for (const scope of SCOPES) {
      withoutScope.set(scope, await createTestKey(gw.orm, { accountId: owner.accountId, scopes: SCOPES.filter((s) => s !== scope) }));
    }
  });
  afterAll(async () => gw.close());

  function expectStatus(res: Res, status: number) {
    expect(res.statusCode, res.body).toBe(status);
  }

  /** A fresh campaign of the owner with two OPEN positions, and a key to revoke. */
  async function targets(): Promise<Targets> {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol('MX') });
    const body = { pattern_type: 'SPRING', entry_price: '10', shares: '1', stop_loss: '9', entry_date: at('09:00') };
    const p = await openPosition(gw.app, c.id, body);
    const q = await openPosition(gw.app, c.id, body);
    const k = await createTestKey(gw.orm, { accountId: owner.accountId, scopes: ['campaigns:read'] });
    return { campaignId: c.id, positionId: p.id, spareId: q.id, accountId: owner.accountId, keyId: k.keyId };
  }

  /** What the owner's campaign and account look like: any refused command, and any other account's, must leave them as they were. */
  async function state(t: Targets) {
    const [positions, journal, account] = await Promise.all([
      get(gw.app, `/api/v1/campaigns/${t.campaignId}/positions`),
      get(gw.app, `/api/v1/campaigns/${t.campaignId}/journal?limit=200`),
      get(gw.app, '/api/v1/account'),
    ]);
    expect(account.statusCode, account.body).toBe(200);
    return { positions: positions.json(), journal: journal.json(), account: account.json() };
  }

  const headersOf = (kind: Kind, e: Endpoint): Record<string, string> => {
    switch (kind) {
      case 'no key':
        return { authorization: '' };
      case 'malformed key':
        return { authorization: 'Bearer not-a-key' };
      case 'unknown key':
        return { authorization: `Bearer cpt_${'A'.repeat(43)}` };
      case 'expired key':
        return expired.headers;
      case 'revoked key':
        return revoked.headers;
      case 'key without the scope':
        return (withoutScope.get(e.scope) as TestKey).headers;
      case 'key of another account':
        return other.headers;
      case 'right key':
        return owner.headers;
    }
  };

  for (const e of ENDPOINTS) {
    it(`${e.name}: every kind of key gets the answer section 7 gives it, and a refusal changes nothing`, async () => {
      const t = await targets();
      const before = await state(t);
      for (const kind of KINDS.filter((k) => k !== 'right key')) {
        const res = await e.send(gw, t, headersOf(kind, e));
        cells.push({ endpoint: e.name, kind, status: res.statusCode });
        if (kind === 'key without the scope') {
          expectError(res, 403, 'forbidden');
        } else if (kind === 'key of another account') {
          if (e.owned) expectError(res, 404, 'not_found');
          else expect(res.statusCode, res.body).toBe(e.ok);
          if (e.name === 'GET /api/v1/campaigns') expect(res.json().items.map((c: { id: string }) => c.id)).not.toContain(t.campaignId);
          if (e.name === 'GET /api/v1/account' || e.name === 'PATCH /api/v1/account/settings') expect(res.json().id).toBe(other.accountId);
          if (e.name === 'GET /api/v1/account')
            expect(res.json().campaigns.map((c: { campaign_id: string }) => c.campaign_id)).not.toContain(t.campaignId);
        } else {
          expectError(res, 401, 'unauthenticated');
          expect(res.headers['www-authenticate']).toBe('Bearer');
        }
        expect(await state(t)).toEqual(before);
      }
      const res = await e.send(gw, t, headersOf('right key', e));
      cells.push({ endpoint: e.name, kind: 'right key', status: res.statusCode });
      expect(res.statusCode, res.body).toBe(e.ok);
    });
  }

  it("another account never sees nor changes the caller's account settings", async () => {
    const mine = await createTestKey(gw.orm);
    const theirs = await createTestKey(gw.orm);
    const patch = (key: TestKey, body: unknown) => call(gw, 'PATCH', '/api/v1/account/settings', key.headers, body);
    const view = async (key: TestKey) => {
      const res = await call(gw, 'GET', '/api/v1/account', key.headers);
      expectStatus(res, 200);
      return res.json();
    };
    expectStatus(await patch(mine, { equity: '250000', max_campaign_risk_pct: '3', max_portfolio_heat_pct: '9' }), 200);
    const c = await call(gw, 'POST', '/api/v1/campaigns', mine.headers, { name: 'mine', symbol: uniqueSymbol('MX'), timeframe: '1h' });
    expectStatus(c, 201);
    const before = await view(mine);
    expect(before).toMatchObject({
      id: mine.accountId,
      settings: { equity: '250000.00000000', max_campaign_risk_pct: '3.00000000', max_portfolio_heat_pct: '9.00000000' },
      campaigns: [{ campaign_id: c.json().id }],
    });

    // The other account sees only its own account, with its own defaults and none of the caller's campaigns.
    expect(await view(theirs)).toMatchObject({
      id: theirs.accountId,
      settings: { equity: null, max_campaign_risk_pct: '5.00000000', max_portfolio_heat_pct: '10.00000000' },
      heat: '0.00000000',
      campaigns: [],
    });
    // Its changes are its own, whatever the body names.
    const changed = await patch(theirs, { equity: '1', max_campaign_risk_pct: '1', max_portfolio_heat_pct: '1' });
    expectStatus(changed, 200);
    expect(changed.json().id).toBe(theirs.accountId);
    expectInvalid(await patch(theirs, { account_id: mine.accountId }), 'account_id');
    expectInvalid(await patch(theirs, { id: mine.accountId, equity: '2' }), 'id');
    expect(await view(mine)).toEqual(before);
  });

  it('covered every cell', () => {
    expect(cells).toHaveLength(ENDPOINTS.length * KINDS.length);
  });
});
