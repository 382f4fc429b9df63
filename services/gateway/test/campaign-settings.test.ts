import { randomUUID } from 'node:crypto';
import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  at,
  campaignOf,
  closeCampaign,
  createCampaign,
  expectError,
  expectInvalid,
  get,
  moveStop,
  openPosition,
  patch,
  positionsOf,
  post,
  type Res,
} from './api.js';
import { totals8In } from './exits-support.js';
import { WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway, TestRelay } from './realtime-support.js';

/**
 * `auto_exit_on_stop` (section 8) on the Campaign resource and `PATCH /api/v1/campaigns/{id}`: a
 * setting changed is a structural change (version + 1, a journal entry `campaign_updated`, an
 * update with reason `settings_changed`); the same value again changes nothing.
 */
let gw: RealtimeGateway;
let relay: TestRelay;
/** A key of another account. */
let stranger: TestKey;

beforeAll(async () => {
  [gw, relay] = await Promise.all([startRealtimeGateway(), TestRelay.open()]);
  stranger = await createTestKey(gw.orm);
});
afterAll(async () => {
  await Promise.all([gw?.close(), relay?.close()]);
});

const symbol = () => `AX${randomUUID().slice(0, 8).toUpperCase()}`;
const spring = { pattern_type: 'SPRING', entry_price: '10', shares: '5', stop_loss: '9', entry_date: at('09:00') };

const setAutoExit = (id: string, body: unknown, headers: Record<string, string> = {}): Promise<Res> =>
  patch(gw.app, `/api/v1/campaigns/${id}`, body, headers);

async function journalOf(id: string) {
  const res = await get(gw.app, `/api/v1/campaigns/${id}/journal?limit=200`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as { action: string; version: number; position_id: string | null; details: unknown; request_id: string }[];
}

/** The seq of the campaign's last event: a change that writes no event leaves it where it was. */
async function lastSeq(id: string): Promise<number> {
  const [row] = (await gw.orm.em.fork().execute('select last_seq from campaigns where id = ?', [id])) as { last_seq: string }[];
  return Number(row?.last_seq);
}

/** What a refused command must leave as it was. */
async function state(id: string) {
  return { campaign: await campaignOf(gw.app, id), journal: await journalOf(id), seq: await lastSeq(id) };
}

describe('auto_exit_on_stop on the Campaign resource', () => {
  it('is false unless asked for at creation, and every campaign view shows it', async () => {
    const plain = await createCampaign(gw.app, { symbol: symbol() });
    expect(plain.auto_exit_on_stop).toBe(false);
    const res = await post(gw.app, '/api/v1/campaigns', { name: 'auto', symbol: symbol(), timeframe: '1h', auto_exit_on_stop: true });
    expect([res.statusCode, res.json().auto_exit_on_stop], res.body).toEqual([201, true]);
    const auto = res.json();
    expect((await campaignOf(gw.app, auto.id)).auto_exit_on_stop).toBe(true);
    expect((await campaignOf(gw.app, plain.id)).auto_exit_on_stop).toBe(false);
    const list = await get(gw.app, '/api/v1/campaigns?limit=200');
    const byId = new Map((list.json().items as { id: string; auto_exit_on_stop: boolean }[]).map((c) => [c.id, c.auto_exit_on_stop]));
    expect([byId.get(auto.id), byId.get(plain.id)]).toEqual([true, false]);
    const closed = await closeCampaign(gw.app, auto.id);
    expect([closed.statusCode, closed.json().auto_exit_on_stop]).toEqual([200, true]);
    const [created] = (await journalOf(plain.id)).slice(-1);
    expect(created).toMatchObject({ action: 'campaign_created', details: { auto_exit_on_stop: false } });
  });

  it('refuses a value that is not a boolean at creation', async () => {
    const res = await post(gw.app, '/api/v1/campaigns', { name: 'auto', symbol: symbol(), timeframe: '1h', auto_exit_on_stop: 'yes' });
    expect(expectInvalid(res, 'auto_exit_on_stop')).toEqual([{ path: 'auto_exit_on_stop', message: 'expected a boolean' }]);
  });
});

describe('PATCH /api/v1/campaigns/{id}', () => {
  it('changes the setting: 200 with the campaign at version + 1 and its ETag, journaled, one settings_changed update in seq order', async () => {
    const { id, updated_at: created } = await createCampaign(gw.app, { symbol: symbol() });
    const ws = await WsProbe.open(gw.wsUrl);
    ws.subscribe([id]);
    await ws.next((f) => f.type === 'snapshot' && f.campaign_id === id, 'the snapshot');

    const requestId = `settings-${randomUUID().slice(0, 8)}`;
    const on = await relay.around([id], () =>
      setAutoExit(id, { auto_exit_on_stop: true }, { 'if-match': '"1"', 'x-request-id': requestId }),
    );
    expect([on.statusCode, on.headers.etag], on.body).toEqual([200, '"2"']);
    expect(on.json()).toMatchObject({ id, version: 2, status: 'ACTIVE', auto_exit_on_stop: true });
    expect(Date.parse(on.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(created));
    expect(await campaignOf(gw.app, id)).toMatchObject({ version: 2, auto_exit_on_stop: true });
    const afterOn = await positionsOf(gw.app, id);

    const [entry] = await journalOf(id);
    expect(entry).toMatchObject({
      action: 'campaign_updated',
      version: 2,
      position_id: null,
      key_id: gw.key.keyId,
      request_id: requestId,
      details: { auto_exit_on_stop: true },
    });

    // Other structural changes and the setting again interleave in one seq order.
    const position = await relay.around([id], () => openPosition(gw.app, id, spring));
    const off = await relay.around([id], () => setAutoExit(id, { auto_exit_on_stop: false }));
    expect([off.statusCode, off.headers.etag, off.json().version, off.json().auto_exit_on_stop]).toEqual([200, '"4"', 4, false]);
    await relay.around([id], () => moveStop(gw.app, position.id, { stop_loss: '9.5' }));
    await ws.untilSeq(id, 4);

    const frames = ws.of(id);
    expect(frames.map((f) => [f.type, f.seq, f.reason, f.version])).toEqual([
      ['snapshot', 0, undefined, undefined],
      ['campaign_updated', 1, 'settings_changed', 2],
      ['campaign_updated', 2, 'position_opened', 3],
      ['campaign_updated', 3, 'settings_changed', 4],
      ['campaign_updated', 4, 'stop_moved', 5],
    ]);
    expect(frames[1]?.changed_positions).toEqual([]);
    expect(frames[1]?.totals).toEqual(totals8In(afterOn));
    expect(frames[3]?.changed_positions).toEqual([]);
    expect((await journalOf(id)).map((e) => [e.action, e.version, e.details])).toEqual([
      ['stop_moved', 5, expect.anything()],
      ['campaign_updated', 4, { auto_exit_on_stop: false }],
      ['position_opened', 3, expect.anything()],
      ['campaign_updated', 2, { auto_exit_on_stop: true }],
      ['campaign_created', 1, expect.anything()],
    ]);
    await ws.close();
  });

  // The decision for a PATCH that changes nothing: the contract counts a setting *changed* as a
  // structural change, so the same value again is 200 with the campaign as it is: same version,
  // same ETag, no journal entry, no event. If-Match is still checked.
  it('answers the same value with 200 and the campaign unchanged: same version and ETag, no journal entry, no event', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    const ws = await WsProbe.open(gw.wsUrl);
    ws.subscribe([id]);
    await ws.next((f) => f.type === 'snapshot' && f.campaign_id === id, 'the snapshot');
    const before = await state(id);

    const same = await relay.around([id], () => setAutoExit(id, { auto_exit_on_stop: false }, { 'if-match': '"1"' }));
    expect([same.statusCode, same.headers.etag], same.body).toEqual([200, '"1"']);
    expect(same.json()).toMatchObject({ version: 1, auto_exit_on_stop: false, updated_at: before.campaign.updated_at });
    expect(before.campaign).toMatchObject(same.json());
    expect(await state(id)).toEqual(before);
    expectVersionConflict(await setAutoExit(id, { auto_exit_on_stop: false }, { 'if-match': '"7"' }), 1);

    // The next change is seq 1: nothing was sent in between.
    await relay.around([id], () => setAutoExit(id, { auto_exit_on_stop: true }));
    await ws.untilSeq(id, 1);
    const again = await relay.around([id], () => setAutoExit(id, { auto_exit_on_stop: true }));
    expect([again.statusCode, again.headers.etag, again.json().version]).toEqual([200, '"2"', 2]);
    await relay.around([id], () => openPosition(gw.app, id, spring));
    await ws.untilSeq(id, 2);
    expect(ws.of(id).map((f) => [f.seq, f.reason])).toEqual([
      [0, undefined],
      [1, 'settings_changed'],
      [2, 'position_opened'],
    ]);
    expect((await journalOf(id)).map((e) => e.action)).toEqual(['position_opened', 'campaign_updated', 'campaign_created']);
    await ws.close();
  });

  it('refuses a stale If-Match with 409 version_conflict carrying the current version, and changes nothing', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    await openPosition(gw.app, id, spring);
    const before = await state(id);
    expectVersionConflict(await setAutoExit(id, { auto_exit_on_stop: true }, { 'if-match': '"1"' }), 2);
    expectVersionConflict(await setAutoExit(id, { auto_exit_on_stop: true }, { 'if-match': 'W/"3"' }), 2);
    expect(await state(id)).toEqual(before);
    const ok = await setAutoExit(id, { auto_exit_on_stop: true }, { 'if-match': 'W/"2"' });
    expect([ok.statusCode, ok.headers.etag]).toEqual([200, '"3"']);
  });

  it('refuses a CLOSED campaign with 409 conflict, whatever the value, and changes nothing', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    expect((await closeCampaign(gw.app, id)).statusCode).toBe(200);
    const before = await state(id);
    for (const value of [true, false]) {
      const error = expectError(await setAutoExit(id, { auto_exit_on_stop: value }), 409, 'conflict');
      expect(error.message).toMatch(/closed/);
    }
    expectVersionConflict(await setAutoExit(id, { auto_exit_on_stop: true }, { 'if-match': '"1"' }), 2);
    expect(await state(id)).toEqual(before);
  });

  it('answers 404 for another account’s campaign and for one that does not exist, and 422 for a malformed id', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    const before = await state(id);
    expectError(await setAutoExit(id, { auto_exit_on_stop: true }, stranger.headers), 404, 'not_found');
    expectError(await setAutoExit(randomUUID(), { auto_exit_on_stop: true }), 404, 'not_found');
    expectInvalid(await setAutoExit('not-a-uuid', { auto_exit_on_stop: true }), 'id');
    expect(await state(id)).toEqual(before);
  });

  it('refuses a body that is not exactly the setting: unknown fields, a missing or mistyped value', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    const before = await state(id);
    expect(expectInvalid(await setAutoExit(id, { auto_exit_on_stop: true, name: 'renamed' }), 'name')).toEqual([
      { path: 'name', message: 'unknown field' },
    ]);
    expect(expectInvalid(await setAutoExit(id, { auto_exit: true }), 'auto_exit_on_stop', 'auto_exit')).toEqual([
      { path: 'auto_exit_on_stop', message: 'required' },
      { path: 'auto_exit', message: 'unknown field' },
    ]);
    expect(expectInvalid(await setAutoExit(id, { auto_exit_on_stop: 'true' }), 'auto_exit_on_stop')).toEqual([
      { path: 'auto_exit_on_stop', message: 'expected a boolean' },
    ]);
    expect(expectInvalid(await setAutoExit(id, 'null'), '')).toEqual([{ path: '', message: 'expected an object' }]);
    expectError(await gw.app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${id}` }), 400, 'bad_request');
    expect(await state(id)).toEqual(before);
  });

  it('needs a key with campaigns:write: 401 without a valid key, 403 without the scope', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    const before = await state(id);
    const reader = await createTestKey(gw.orm, { accountId: gw.key.accountId, scopes: ['campaigns:read', 'ticks:write', 'admin'] });
    for (const headers of [{ authorization: '' }, { authorization: `Bearer cpt_${'A'.repeat(43)}` }]) {
      const res = await setAutoExit(id, { auto_exit_on_stop: true }, headers);
      expectError(res, 401, 'unauthenticated');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    // Authentication comes before validation: a bad body without a key is still 401.
    expectError(await setAutoExit(id, { bogus: 1 }, { authorization: '' }), 401, 'unauthenticated');
    expectError(await setAutoExit(id, { auto_exit_on_stop: true }, reader.headers), 403, 'forbidden');
    expect(await state(id)).toEqual(before);
  });

  it('is in the OpenAPI document with its strict body, scope and answers', async () => {
    const doc = (await get(gw.app, '/openapi.json')).json();
    const op = doc.paths['/api/v1/campaigns/{id}'].patch;
    expect(op['x-scope']).toBe('campaigns:write');
    expect(op.requestBody.content['application/json'].schema).toEqual({
      type: 'object',
      properties: { auto_exit_on_stop: { type: 'boolean' } },
      required: ['auto_exit_on_stop'],
      additionalProperties: false,
    });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409', '422', '429', '503']));
    const campaign = doc.paths['/api/v1/campaigns/{id}'].get.responses['200'].content['application/json'].schema;
    expect(campaign.properties.auto_exit_on_stop).toEqual({ type: 'boolean' });
    expect(campaign.required).toContain('auto_exit_on_stop');
    const create = doc.paths['/api/v1/campaigns'].post.requestBody.content['application/json'].schema;
    expect(create.properties.auto_exit_on_stop).toEqual({ type: 'boolean', default: false });
    expect(create.required).not.toContain('auto_exit_on_stop');
  });
});

function expectVersionConflict(res: Res, current: number) {
  const error = expectError(res, 409, 'version_conflict');
  expect(error.details).toEqual({ current_version: current });
}
