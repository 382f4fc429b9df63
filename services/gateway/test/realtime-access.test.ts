import { randomUUID } from 'node:crypto';
import { createTestKey, type TestKey, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, expectError } from './api.js';
import { upgradeStatus, WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway } from './realtime-support.js';

const symbol = () => `WA${randomUUID().slice(0, 8).toUpperCase()}`;
const ALLOWED = 'https://desk.example.com';

describe('who may open the WebSocket, and what it may follow (section 7)', () => {
  let gw: RealtimeGateway;
  let other: TestKey;
  beforeAll(async () => {
    gw = await startRealtimeGateway({ corsOrigins: [ALLOWED], keyCacheMs: 200, keyCheckMs: 500 });
    other = await createTestKey(gw.orm);
  });
  afterAll(async () => gw?.close());

  const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

  it('refuses an upgrade without a valid key with HTTP 401 before the protocol switches', async () => {
    const expired = await createTestKey(gw.orm, { accountId: gw.key.accountId, expiresAt: new Date(Date.now() - 1000) });
    const revoked = await createTestKey(gw.orm, { accountId: gw.key.accountId });
    expect((await gw.app.inject({ method: 'DELETE', url: `/api/v1/admin/keys/${revoked.keyId}` })).statusCode).toBe(204);
    const refused = [{}, bearer('nope'), bearer(`cpt_${'B'.repeat(43)}`), { headers: expired.headers }, { headers: revoked.headers }];
    for (const options of refused) {
      const r = await upgradeStatus(gw.bareWsUrl, options);
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).error.code).toBe('unauthenticated');
    }
    expect((await upgradeStatus(`${gw.bareWsUrl}?access_token=nope`)).status).toBe(401);
  });

  it('refuses a key without campaigns:read with 403, and takes the key from the header or ?access_token=', async () => {
    const writer = await createTestKey(gw.orm, { accountId: gw.key.accountId, scopes: ['campaigns:write', 'ticks:write'] });
    const r = await upgradeStatus(gw.bareWsUrl, { headers: writer.headers });
    expect([r.status, JSON.parse(r.body).error.code]).toEqual([403, 'forbidden']);
    expect((await upgradeStatus(gw.bareWsUrl, { headers: gw.key.headers })).status).toBe(101);
    expect((await upgradeStatus(gw.wsUrl)).status).toBe(101);
  });

  it('refuses a page of a foreign origin, and lets the gateway’s own and the allowed ones in', async () => {
    const foreign = await upgradeStatus(gw.wsUrl, { origin: 'https://evil.example.net' });
    expect([foreign.status, JSON.parse(foreign.body).error.code]).toEqual([403, 'forbidden']);
    expect((await upgradeStatus(gw.wsUrl, { origin: ALLOWED })).status).toBe(101);
    expect((await upgradeStatus(gw.wsUrl, { origin: gw.url })).status).toBe(101);
  });

  it('answers a subscription to another account’s campaign as to a campaign that does not exist', async () => {
    const theirs = await createCampaign(gw.app, { symbol: symbol() });
    const c = await WsProbe.open(gw.bareWsUrl, { headers: other.headers });
    c.subscribe([theirs.id, randomUUID()]);
    await waitFor(() => c.frames.length === 2, { what: 'two answers' });
    expect(c.frames.map((f) => [f.type, f.code, f.campaign_id])).toEqual([
      ['error', 'not_found', theirs.id],
      ['error', 'not_found', c.frames[1]?.campaign_id],
    ]);
    expect(c.frames[0]?.message).toBe(`campaign ${theirs.id} not found`);
    await c.close();
  });

  it('closes an open socket with 4401 within 10 s of its key being revoked', async () => {
    const key = await createTestKey(gw.orm, { accountId: gw.key.accountId, scopes: ['campaigns:read'] });
    const c = await WsProbe.open(gw.bareWsUrl, { headers: key.headers });
    const revokedAt = Date.now();
    expect((await gw.app.inject({ method: 'DELETE', url: `/api/v1/admin/keys/${key.keyId}` })).statusCode).toBe(204);
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(closed?.code).toBe(4401);
    expect(Date.now() - revokedAt).toBeLessThan(10_000);
  });

  it('closes an open socket whose key expires', async () => {
    const key = await createTestKey(gw.orm, {
      accountId: gw.key.accountId,
      scopes: ['campaigns:read'],
      expiresAt: new Date(Date.now() + 1500),
    });
    const c = await WsProbe.open(gw.bareWsUrl, { headers: key.headers });
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(closed?.code).toBe(4401);
  });

  it('answers a plain request without a key with 401 and WWW-Authenticate', async () => {
    const res = await gw.app.inject({ method: 'GET', url: '/api/v1/ws', headers: { authorization: '' } });
    expectError(res, 401, 'unauthenticated');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });
});
