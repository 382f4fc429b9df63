import { randomUUID } from 'node:crypto';
import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeCampaign, closePosition, createCampaign, expectError, expectInvalid, get, moveStop, post, type Res } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * The journal of section 7: one entry per command, written with the change, newest first, with
 * the key that ran it, the request it came in, and the values it accepted in contract form.
 */
interface Entry {
  id: string;
  at: string;
  action: string;
  version: number;
  position_id: string | null;
  key_id: string | null;
  key_name: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
}
interface Page {
  items: Entry[];
  next_cursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let gw: Gateway;
/** A second key of the gateway's account, with a name of its own: the journal must tell the two apart. */
let desk: TestKey;
/** A key of another account. */
let stranger: TestKey;

beforeAll(async () => {
  gw = await startGateway();
  desk = await createTestKey(gw.orm, {
    accountId: gw.key.accountId,
    name: 'desk terminal 7',
    scopes: ['campaigns:read', 'campaigns:write'],
  });
  stranger = await createTestKey(gw.orm);
});
afterAll(async () => gw?.close());

const rid = (what: string) => `journal-${what}-${randomUUID().slice(0, 8)}`;
const as = (key: TestKey, requestId: string, extra: Record<string, string> = {}) => ({
  ...key.headers,
  'x-request-id': requestId,
  ...extra,
});

function expectStatus(res: Res, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

async function journalPage(campaignId: string, query = '', key: TestKey = gw.key): Promise<Page> {
  const res = await get(gw.app, `/api/v1/campaigns/${campaignId}/journal${query}`, key.headers);
  const body = expectStatus(res, 200) as Page;
  expect(Object.keys(body).sort()).toEqual(['items', 'next_cursor']);
  return body;
}

/** Follows `next_cursor` to the end with pages of `limit`; returns every entry and the size of each page. */
async function walk(campaignId: string, limit: number): Promise<{ items: Entry[]; sizes: number[] }> {
  const items: Entry[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await journalPage(campaignId, `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.next_cursor;
    expect(sizes.length).toBeLessThan(100);
  } while (cursor !== null);
  return { items, sizes };
}

/** Every decimal in `details` has exactly 8 fractional digits and every timestamp is UTC with milliseconds. */
function expectContractForm(details: Record<string, unknown>) {
  for (const [field, value] of Object.entries(details)) {
    if (typeof value !== 'string') continue;
    if (/^-?[\d.]+$/.test(value)) expect(value, field).toMatch(/^-?\d+\.\d{8}$/);
    if (/^\d{4}-\d{2}-\d{2}T/.test(value)) expect(value, field).toMatch(UTC_MS);
  }
}

/** A campaign with a few entries, for the tests that do not care which. */
async function campaignWithEntries(commands: number): Promise<string> {
  const c = await createCampaign(gw.app, { symbol: uniqueSymbol('JR') });
  const p = expectStatus(
    await post(gw.app, `/api/v1/campaigns/${c.id}/positions`, {
      pattern_type: 'SPRING',
      entry_price: '10',
      shares: '1',
      stop_loss: '5',
      entry_date: '2026-11-20T09:00:00Z',
    }),
    201,
  );
  for (let i = 0; i < commands - 2; i++)
    expectStatus(await moveStop(gw.app, p.id, { stop_loss: `5.${String(i + 1).padStart(3, '0')}` }), 200);
  return c.id;
}

describe('GET /api/v1/campaigns/{id}/journal', () => {
  it('holds one entry per command, newest first, with the version after it, the key, the request id and the accepted values', async () => {
    const symbol = uniqueSymbol('JRN');
    const ids = {
      create: rid('create'),
      open: rid('open'),
      stop: rid('stop'),
      close: rid('close'),
      closeCampaign: rid('close-campaign'),
    };
    const created = await post(
      gw.app,
      '/api/v1/campaigns',
      { name: 'GBPUSD range Q4', symbol: symbol.toLowerCase(), timeframe: '1h' },
      as(gw.key, ids.create),
    );
    const campaign = expectStatus(created, 201);
    expect(created.headers['x-request-id']).toBe(ids.create);

    // Sent as the contract allows (short decimals, a JSON number, an offset); journaled as it outputs them.
    const opened = await post(
      gw.app,
      `/api/v1/campaigns/${campaign.id}/positions`,
      '{"pattern_type":"SPRING","entry_price":"1.25","shares":8000,"stop_loss":"1.2450","entry_date":"2026-11-25T15:00:00+01:00"}',
      as(desk, ids.open, { 'if-match': '"1"' }),
    );
    const position = expectStatus(opened, 201);
    const stopped = await moveStop(gw.app, position.id, { stop_loss: 1.248 }, as(desk, ids.stop));
    expectStatus(stopped, 200);
    const closed = await closePosition(
      gw.app,
      position.id,
      { exit_price: '1.2625', closed_date: '2026-11-25T17:30:00.5+02:00' },
      as(gw.key, ids.close, { 'if-match': '"3"' }),
    );
    expectStatus(closed, 200);
    const done = await closeCampaign(gw.app, campaign.id, as(desk, ids.closeCampaign));
    expect(expectStatus(done, 200).version).toBe(5);

    const page = await journalPage(campaign.id);
    expect(page.next_cursor).toBeNull();
    const rows = page.items.map(({ id, at, ...rest }) => rest);
    expect(rows).toEqual([
      {
        action: 'campaign_closed',
        version: 5,
        position_id: null,
        key_id: desk.keyId,
        key_name: 'desk terminal 7',
        request_id: ids.closeCampaign,
        details: {},
      },
      {
        action: 'position_closed',
        version: 4,
        position_id: position.id,
        key_id: gw.key.keyId,
        key_name: 'test key',
        request_id: ids.close,
        details: expect.objectContaining({ exit_price: '1.26250000', closed_date: '2026-11-25T15:30:00.500Z' }),
      },
      {
        action: 'stop_moved',
        version: 3,
        position_id: position.id,
        key_id: desk.keyId,
        key_name: 'desk terminal 7',
        request_id: ids.stop,
        details: expect.objectContaining({ stop_loss: '1.24800000' }),
      },
      {
        action: 'position_opened',
        version: 2,
        position_id: position.id,
        key_id: desk.keyId,
        key_name: 'desk terminal 7',
        request_id: ids.open,
        details: expect.objectContaining({
          pattern_type: 'SPRING',
          entry_price: '1.25000000',
          shares: '8000.00000000',
          stop_loss: '1.24500000',
          entry_date: '2026-11-25T14:00:00.000Z',
        }),
      },
      {
        action: 'campaign_created',
        version: 1,
        position_id: null,
        key_id: gw.key.keyId,
        key_name: 'test key',
        request_id: ids.create,
        details: expect.objectContaining({ name: 'GBPUSD range Q4', symbol, timeframe: '1h', side: 'LONG' }),
      },
    ]);
    for (const e of page.items) {
      expect(e.id).toMatch(UUID);
      expect(e.at).toMatch(UTC_MS);
      expectContractForm(e.details);
    }
    expect(new Set(page.items.map((e) => e.id)).size).toBe(5);
    const times = page.items.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('records the id the gateway made up when the request carried none', async () => {
    const res = await post(gw.app, '/api/v1/campaigns', { name: 'no id', symbol: uniqueSymbol('JR'), timeframe: '4h', side: 'SHORT' });
    const c = expectStatus(res, 201);
    const made = res.headers['x-request-id'];
    expect(made).toEqual(expect.any(String));
    const [entry] = (await journalPage(c.id)).items;
    expect(entry).toMatchObject({ action: 'campaign_created', version: 1, request_id: made, details: { side: 'SHORT', timeframe: '4h' } });
  });

  it('pages over every entry with limit and next_cursor, newest first, without duplicates or gaps', async () => {
    const id = await campaignWithEntries(12);
    const all = await journalPage(id, '?limit=200');
    expect(all.items.map((e) => e.version)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(all.next_cursor).toBeNull();

    for (const [limit, sizes] of [
      [5, [5, 5, 2]],
      [4, [4, 4, 4]],
      [1, Array(12).fill(1)],
      [12, [12]],
    ] as const) {
      const walked = await walk(id, limit);
      expect(walked.sizes, `limit=${limit}`).toEqual(sizes);
      expect(walked.items).toEqual(all.items);
    }
    // The default page is 50 entries.
    expect((await journalPage(id)).items).toEqual(all.items);
  });

  it('continues where a page ended while new commands are journaled meanwhile', async () => {
    const id = await campaignWithEntries(6);
    const first = await journalPage(id, '?limit=3');
    expect(first.items.map((e) => e.version)).toEqual([6, 5, 4]);
    const positionId = first.items[0]?.position_id as string;
    expectStatus(await moveStop(gw.app, positionId, { stop_loss: '6' }), 200);
    const rest = await journalPage(id, `?limit=3&cursor=${encodeURIComponent(first.next_cursor as string)}`);
    expect(rest.items.map((e) => e.version)).toEqual([3, 2, 1]);
    expect(rest.next_cursor).toBeNull();
    expect((await journalPage(id, '?limit=1')).items.map((e) => e.version)).toEqual([7]);
  });

  it.each(['limit=0', 'limit=201', 'limit=-1', 'limit=2.5', 'limit=all'])('answers %s with 422 naming limit', async (q) => {
    const id = await campaignWithEntries(2);
    expectInvalid(await get(gw.app, `/api/v1/campaigns/${id}/journal?${q}`), 'limit');
  });

  it('answers a malformed or tampered cursor with 422 validation_failed naming cursor', async () => {
    const id = await campaignWithEntries(4);
    const issued = (await journalPage(id, '?limit=2')).next_cursor as string;
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const tampered = [
      'garbage!',
      '%00',
      `${issued}!`,
      `${issued}.`,
      `${issued}=`,
      issued.toUpperCase() === issued ? issued.toLowerCase() : issued.toUpperCase(),
      b64('v-1'),
      b64('v1.5'),
      b64('v 2'),
      b64('v99999999999'),
      b64('2'),
      b64('["2026-11-20T09:00:00.000Z","00000000-0000-4000-8000-000000000000"]'),
      'a'.repeat(5000),
    ];
    for (const cursor of tampered) {
      const res = await get(gw.app, `/api/v1/campaigns/${id}/journal?cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, `cursor ${cursor.slice(0, 40)}: ${res.body}`).toBe(422);
      expectInvalid(res, 'cursor');
    }
    // The cursor it issued still works.
    expect((await journalPage(id, `?limit=2&cursor=${issued}`)).items.map((e) => e.version)).toEqual([2, 1]);
  });

  it('answers another account’s campaign, and one that does not exist, with 404 not_found', async () => {
    const id = await campaignWithEntries(3);
    for (const url of [`/api/v1/campaigns/${id}/journal`, `/api/v1/campaigns/${randomUUID()}/journal`]) {
      const res = await get(gw.app, url, stranger.headers);
      const error = expectError(res, 404, 'not_found');
      expect(error.message).not.toContain(gw.key.accountId);
    }
    // The stranger sees its own journal, and the gateway’s key cannot see it.
    const own = expectStatus(
      await post(gw.app, '/api/v1/campaigns', { name: 'stranger', symbol: uniqueSymbol('JR'), timeframe: '1h' }, stranger.headers),
      201,
    );
    expect((await journalPage(own.id, '', stranger)).items.map((e) => [e.action, e.key_id])).toEqual([
      ['campaign_created', stranger.keyId],
    ]);
    expectError(await get(gw.app, `/api/v1/campaigns/${own.id}/journal`), 404, 'not_found');
  });

  it('writes no entry for a refused command: 409 version_conflict, 409 conflict, 422, 404', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol('JR') });
    const entry = { pattern_type: 'SPRING', entry_price: '10', shares: '1', stop_loss: '9', entry_date: '2026-11-20T09:00:00Z' };
    const p = expectStatus(await post(gw.app, `/api/v1/campaigns/${c.id}/positions`, entry), 201);
    const before = await journalPage(c.id);
    expect(before.items.map((e) => e.version)).toEqual([2, 1]);

    const stale = { 'if-match': '"1"' };
    const refused: [string, Res, number, string][] = [
      ['open at a stale version', await post(gw.app, `/api/v1/campaigns/${c.id}/positions`, entry, stale), 409, 'version_conflict'],
      ['move at a stale version', await moveStop(gw.app, p.id, { stop_loss: '9.5' }, stale), 409, 'version_conflict'],
      ['close at a stale version', await closePosition(gw.app, p.id, { exit_price: '11' }, stale), 409, 'version_conflict'],
      ['close the campaign at a stale version', await closeCampaign(gw.app, c.id, stale), 409, 'version_conflict'],
      ['close the campaign with an OPEN position', await closeCampaign(gw.app, c.id), 409, 'conflict'],
      [
        'a stop above the entry',
        await post(gw.app, `/api/v1/campaigns/${c.id}/positions`, { ...entry, stop_loss: '11' }),
        422,
        'validation_failed',
      ],
      ['a stop of 0', await moveStop(gw.app, p.id, { stop_loss: '0' }), 422, 'validation_failed'],
      [
        'a close before the entry',
        await closePosition(gw.app, p.id, { exit_price: '11', closed_date: '2026-11-20T08:59:59Z' }),
        422,
        'validation_failed',
      ],
      ['a field the command does not define', await moveStop(gw.app, p.id, { stop_loss: '9.5', fee: '1' }), 422, 'validation_failed'],
      ['another account’s key', await moveStop(gw.app, p.id, { stop_loss: '9.5' }, stranger.headers), 404, 'not_found'],
    ];
    for (const [what, res, status, code] of refused) {
      expect([what, res.statusCode, res.json().error?.code]).toEqual([what, status, code]);
    }
    expect(await journalPage(c.id)).toEqual(before);

    // Once closed, more refusals (409 conflict) still write nothing.
    expectStatus(await closePosition(gw.app, p.id, { exit_price: '11', closed_date: '2026-11-20T10:00:00Z' }), 200);
    expectStatus(await closeCampaign(gw.app, c.id, { 'if-match': '"3"' }), 200);
    const after = await journalPage(c.id);
    expect(after.items.map((e) => [e.version, e.action])).toEqual([
      [4, 'campaign_closed'],
      [3, 'position_closed'],
      [2, 'position_opened'],
      [1, 'campaign_created'],
    ]);
    expectError(await closePosition(gw.app, p.id, { exit_price: '12' }), 409, 'conflict');
    expectError(await moveStop(gw.app, p.id, { stop_loss: '9.9' }), 409, 'conflict');
    expectError(await post(gw.app, `/api/v1/campaigns/${c.id}/positions`, entry), 409, 'conflict');
    expect(await journalPage(c.id)).toEqual(after);
  });

  it('needs campaigns:read: a key without it gets 403 and a request without a key 401', async () => {
    const id = await campaignWithEntries(2);
    const writer = await createTestKey(gw.orm, { accountId: gw.key.accountId, scopes: ['campaigns:write'] });
    expectError(await get(gw.app, `/api/v1/campaigns/${id}/journal`, writer.headers), 403, 'forbidden');
    expectError(await get(gw.app, `/api/v1/campaigns/${id}/journal`, { authorization: '' }), 401, 'unauthenticated');
  });
});
