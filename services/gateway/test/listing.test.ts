import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  at,
  closeCampaign,
  closePosition,
  createCampaign,
  expectInvalid,
  get,
  mark,
  openPosition,
  positionsOf,
  totals,
  totalsIn,
} from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

interface Item {
  id: string;
  status: string;
  created_at: string;
  [k: string]: unknown;
}

/** Follows `next_cursor` to the end; returns every item and the size of each page. */
async function walk(app: FastifyInstance, query: string): Promise<{ items: Item[]; pages: number[] }> {
  const items: Item[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/v1/campaigns?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await get(app, url);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['items', 'next_cursor']);
    items.push(...body.items);
    pages.push(body.items.length);
    cursor = body.next_cursor;
  } while (cursor !== null);
  return { items, pages };
}

/** Newest first: created_at descending, then id descending. */
const newestFirst = (a: Item, b: Item) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);

describe('GET /api/v1/campaigns', () => {
  const mine: Item[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 55; i++) mine.push(await createCampaign(gw.app, { name: `page ${i}`, symbol: uniqueSymbol() }));
  });

  it('walks every page newest first, without duplicates or gaps', async () => {
    const { items, pages } = await walk(gw.app, 'limit=7');
    expect(pages.slice(0, -1).every((n) => n === 7)).toBe(true);
    expect((pages.at(-1) ?? 0) > 0 && (pages.at(-1) ?? 0) <= 7).toBe(true);
    const ids = items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(items).toEqual([...items].sort(newestFirst));
    const seen = new Set(ids);
    expect(mine.every((c) => seen.has(c.id))).toBe(true);
    const mineInOrder = items.filter((i) => mine.some((c) => c.id === i.id)).map((i) => i.id);
    expect(mineInOrder).toEqual([...mine].sort(newestFirst).map((c) => c.id));
  });

  it('answers 50 items by default and at most `limit`', async () => {
    const page = await get(gw.app, '/api/v1/campaigns');
    expect(page.json().items).toHaveLength(50);
    expect(page.json().next_cursor).toEqual(expect.any(String));
    expect((await get(gw.app, '/api/v1/campaigns?limit=1')).json().items).toHaveLength(1);
    expect((await get(gw.app, '/api/v1/campaigns?limit=200')).statusCode).toBe(200);
  });

  it('gives every item the campaign fields and its totals', async () => {
    const symbol = uniqueSymbol();
    const c = await createCampaign(gw.app, { symbol });
    await openPosition(gw.app, c.id, { pattern_type: 'SPRING', shares: '4', entry_price: '10', stop_loss: '9.5', entry_date: at('10:00') });
    await mark(gw.orm, symbol, '10.25', at('11:00'));
    const { items } = await walk(gw.app, 'limit=200');
    const item = items.find((i) => i.id === c.id);
    expect(item).toEqual({
      ...c,
      version: 2,
      updated_at: expect.any(String),
      ...totals({
        total_shares: '4.00000000',
        weighted_avg_entry: '10.00000000',
        total_risk: '2.00000000',
        unrealized_pnl: '1.00000000',
        total_pnl: '1.00000000',
        net_pnl: '1.00000000',
        initial_risk: '2.00000000',
        r_multiple: '0.50000000',
        open_positions_count: 1,
        as_of: at('11:00'),
      }),
    });
  });

  it('filters by status', async () => {
    const closed = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    expect((await closeCampaign(gw.app, closed.id)).statusCode).toBe(200);
    const onlyClosed = await walk(gw.app, 'status=CLOSED&limit=5');
    expect(onlyClosed.items.every((i) => i.status === 'CLOSED')).toBe(true);
    expect(onlyClosed.items.map((i) => i.id)).toContain(closed.id);
    const onlyActive = await walk(gw.app, 'status=ACTIVE&limit=50');
    expect(onlyActive.items.every((i) => i.status === 'ACTIVE')).toBe(true);
    expect(onlyActive.items.map((i) => i.id)).not.toContain(closed.id);
    expect(onlyActive.items.map((i) => i.id)).toEqual(expect.arrayContaining(mine.map((c) => c.id)));
  });

  it.each(['limit=0', 'limit=201', 'limit=-1', 'limit=1.5', 'limit=ten'])('answers %s with 422 naming limit', async (q) => {
    expectInvalid(await get(gw.app, `/api/v1/campaigns?${q}`), 'limit');
  });

  it.each(['status=OPEN', 'status=active'])('answers %s with 422 naming status', async (q) => {
    expectInvalid(await get(gw.app, `/api/v1/campaigns?${q}`), 'status');
  });

  it.each([
    'garbage',
    Buffer.from('["not a date","00000000-0000-4000-8000-000000000000"]').toString('base64url'),
    Buffer.from('{"a":1}').toString('base64url'),
  ])('answers a cursor it did not issue (%s) with 422 naming cursor', async (cursor) => {
    expectInvalid(await get(gw.app, `/api/v1/campaigns?cursor=${cursor}`), 'cursor');
  });

  // Cursors JavaScript's Date takes (or rolls over) but PostgreSQL refuses: each once reached the
  // query and came back as 500 internal.
  const ID = '00000000-0000-4000-8000-000000000000';
  const crafted = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['an impossible day', crafted(['2026-02-30T00:00:00.000Z', ID])],
    ['the last instant Date holds, past year 9999', crafted(['+275760-09-13T00:00:00.000Z', ID])],
    ['year 0000', crafted(['0000-01-01T00:00:00.000Z', ID])],
    ['year 0000 without milliseconds', crafted(['0000-12-31T23:59:59Z', ID])],
    ['a negative year', crafted(['-000001-01-01T00:00:00.000Z', ID])],
    ['a time without an offset', crafted(['2026-11-25T14:00:00.000', ID])],
    ['an hour 24', crafted(['2026-11-25T24:00:00.000Z', ID])],
    ['an id of 36 dashes', crafted(['2026-11-25T14:00:00.000Z', '-'.repeat(36)])],
    ['an id that is not a UUID', crafted(['2026-11-25T14:00:00.000Z', 'not-a-uuid'])],
    ['a number for the date', crafted([1_764_000_000_000, ID])],
    ['three elements', crafted(['2026-11-25T14:00:00.000Z', ID, 'x'])],
    ['one element', crafted(['2026-11-25T14:00:00.000Z'])],
    ['an object', crafted({ createdAt: '2026-11-25T14:00:00.000Z', id: ID })],
    ['a string', crafted('2026-11-25T14:00:00.000Z')],
    ['null', crafted(null)],
    ['bytes that are not UTF-8 JSON', Buffer.from([0xff, 0xfe, 0x00, 0x5b]).toString('base64url')],
    ['an empty array', crafted([])],
  ])('answers a crafted cursor (%s) with 422 validation_failed naming cursor, never 500', async (_what, cursor) => {
    const res = await get(gw.app, `/api/v1/campaigns?cursor=${encodeURIComponent(cursor)}`);
    expect(res.statusCode, res.body).toBe(422);
    expectInvalid(res, 'cursor');
  });

  it('takes a well-formed cursor it could have issued, before or after every campaign', async () => {
    for (const createdAt of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      const res = await get(gw.app, `/api/v1/campaigns?cursor=${crafted([createdAt, ID])}`);
      expect(res.statusCode, res.body).toBe(200);
    }
  });
});

describe('GET /api/v1/campaigns/{id}/positions', () => {
  it('orders positions by entry_date, then id, whatever order they were added in', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const add = (hhmm: string) =>
      openPosition(gw.app, c.id, { pattern_type: 'SOS', shares: '1', entry_price: '10', stop_loss: '9', entry_date: at(hhmm) });
    const late = await add('12:00');
    const early = await add('09:00');
    const tiedA = await add('10:30');
    const tiedB = await add('10:30');
    const tied = [tiedA.id, tiedB.id].sort();
    const view = await positionsOf(gw.app, c.id);
    expect(view.positions.map((p: { id: string }) => p.id)).toEqual([early.id, ...tied, late.id]);
  });

  it('hides CLOSED positions with include_closed=false while the totals still describe the whole campaign', async () => {
    const symbol = uniqueSymbol();
    const c = await createCampaign(gw.app, { symbol });
    const a = await openPosition(gw.app, c.id, {
      pattern_type: 'SPRING',
      shares: '10',
      entry_price: '10',
      stop_loss: '9',
      entry_date: at('09:00'),
    });
    const b = await openPosition(gw.app, c.id, {
      pattern_type: 'SOS',
      shares: '10',
      entry_price: '12',
      stop_loss: '11',
      entry_date: at('10:00'),
    });
    await mark(gw.orm, symbol, '13', at('11:00'));
    expect((await closePosition(gw.app, a.id, { exit_price: '14', closed_date: at('12:00') })).statusCode).toBe(200);
    const whole = totals({
      total_shares: '10.00000000',
      weighted_avg_entry: '12.00000000',
      total_risk: '10.00000000',
      unrealized_pnl: '10.00000000',
      realized_pnl: '40.00000000',
      total_pnl: '50.00000000',
      net_pnl: '50.00000000',
      initial_risk: '20.00000000',
      r_multiple: '2.50000000',
      open_positions_count: 1,
      closed_positions_count: 1,
      as_of: at('11:00'),
    });
    const all = await positionsOf(gw.app, c.id);
    const byDefault = await positionsOf(gw.app, c.id, '');
    const withClosed = await positionsOf(gw.app, c.id, '?include_closed=true');
    const openOnly = await positionsOf(gw.app, c.id, '?include_closed=false');
    expect(all.positions.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);
    expect(byDefault).toEqual(all);
    expect(withClosed).toEqual(all);
    expect(openOnly.positions.map((p: { id: string }) => p.id)).toEqual([b.id]);
    for (const v of [all, openOnly]) {
      expect(totalsIn(v)).toEqual(whole);
      expect([v.campaign_id, v.version]).toEqual([c.id, 4]);
    }
    expect(Object.keys(all).sort()).toEqual(['campaign_id', 'positions', 'version', ...Object.keys(whole)].sort());
  });
});
