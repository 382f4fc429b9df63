import { createTestKey, type Exposition, parseExposition, sampleSum } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, closePosition, createCampaign, mark, moveStop, openPosition, patch, type Res } from './api.js';
import { exitPosition } from './exits-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * `GET /api/v1/campaigns/{id}` and `…/positions` are answered from the body the gateway rendered
 * last, as long as the campaign's stamp (`last_seq`, version) has not moved. Every read here is
 * compared byte for byte, headers included, with a gateway that keeps nothing and renders every
 * read (`READ_CACHE_BYTES=0`), on the same database and with the same key.
 */

type Headers = Record<string, string>;

let kept: Gateway;
let another: Gateway;
let renders: Gateway;
beforeAll(async () => {
  [kept, another, renders] = await Promise.all([startGateway(), startGateway(), startGateway({ readCacheBytes: 0 })]);
});
afterAll(async () => Promise.all([kept, another, renders].map((g) => g.close())));

const READS = ['', '/positions', '/positions?include_closed=true', '/positions?include_closed=false'];

const read = (gw: Gateway, url: string, headers: Headers): Promise<Res> => gw.app.inject({ method: 'GET', url, headers });

/** What a client sees of an answer, but its request id: status, type, length, ETag and the exact bytes. */
const seen = (res: Res) => ({
  status: res.statusCode,
  type: res.headers['content-type'],
  length: res.headers['content-length'],
  etag: res.headers.etag,
  body: res.rawPayload.toString('base64'),
});

async function scrape(gw: Gateway): Promise<Exposition> {
  const res = await gw.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: '' } });
  return parseExposition(res.body);
}
const count = async (gw: Gateway, result: 'hit' | 'miss') => sampleSum(await scrape(gw), 'cpt_rendered_reads_total', { result });

/**
 * Every read of the campaign, twice through the keeping gateway (the second from what it kept),
 * equals the rendering gateway's answer byte for byte. Returns the positions body.
 */
async function expectSameBytes(id: string, headers: Headers): Promise<Record<string, unknown>> {
  let positions: Record<string, unknown> = {};
  for (const q of READS) {
    const url = `/api/v1/campaigns/${id}${q}`;
    const first = await read(kept, url, headers);
    const hits = await count(kept, 'hit');
    const again = await read(kept, url, headers);
    expect(await count(kept, 'hit'), `${url} is served from what was kept`).toBe(hits + 1);
    const rendered = await read(renders, url, headers);
    expect(rendered.statusCode, rendered.body).toBe(200);
    expect(seen(first), url).toEqual(seen(rendered));
    expect(seen(again), url).toEqual(seen(rendered));
    if (q === '/positions') positions = rendered.json();
  }
  return positions;
}

describe('kept reads: the same bytes as a fresh rendering', () => {
  it('after opens, marks, exits, stop moves, a breach, a setting and closes', async () => {
    const { headers } = kept.key;
    const symbol = uniqueSymbol('RR');
    const c = await createCampaign(kept.app, { symbol });
    const empty = await expectSameBytes(c.id, headers);
    expect(empty.positions).toEqual([]);

    const spring = await openPosition(kept.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '100',
      shares: '10',
      stop_loss: '95',
      entry_fee: '1.25',
      entry_date: at('09:00'),
    });
    const sos = await openPosition(kept.app, c.id, {
      pattern_type: 'SOS',
      entry_price: '104.5',
      shares: '7',
      stop_loss: '99',
      entry_date: at('09:30'),
    });
    const lps = await openPosition(kept.app, c.id, {
      pattern_type: 'LPS',
      entry_price: '103',
      shares: '3.5',
      stop_loss: '101',
      entry_date: at('10:00'),
    });
    await expectSameBytes(c.id, headers);

    // A mark through the application layer, as the position service makes it: no gateway involved.
    expect(await mark(kept.orm, symbol, '106.12345678', at('11:00'))).toBe(3);
    let view = await expectSameBytes(c.id, headers);
    expect((view.positions as { current_price: string }[]).map((p) => p.current_price)).toEqual(Array(3).fill('106.12345678'));

    expect((await exitPosition(kept.app, spring.id, { shares: '4', price: '107', fee: '0.5', date: at('11:30') })).statusCode).toBe(201);
    await expectSameBytes(c.id, headers);

    expect((await moveStop(kept.app, sos.id, { stop_loss: '104' })).statusCode).toBe(200);
    await expectSameBytes(c.id, headers);

    // A tick through the LPS stop (101) breaches it.
    await mark(kept.orm, symbol, '100.5', at('12:00'));
    view = await expectSameBytes(c.id, headers);
    expect(view.breached_positions_count).toBe(2);
    const breached = (view.positions as { id: string; stop_breached_at: string | null }[]).find((p) => p.id === lps.id);
    expect(breached?.stop_breached_at).toBe(at('12:00'));

    expect((await patch(kept.app, `/api/v1/campaigns/${c.id}`, { auto_exit_on_stop: true })).statusCode).toBe(200);
    await expectSameBytes(c.id, headers);

    for (const p of [spring, sos, lps])
      expect((await closePosition(kept.app, p.id, { exit_price: '102.5', closed_date: at('13:00') })).statusCode).toBe(200);
    view = await expectSameBytes(c.id, headers);
    expect(view.closed_positions_count).toBe(3);
    expect((await kept.app.inject({ method: 'POST', url: `/api/v1/campaigns/${c.id}/close` })).statusCode).toBe(200);
    await expectSameBytes(c.id, headers);
  });
});

describe('kept reads never show an older state', () => {
  it('sees a change made through another gateway instance on the next read', async () => {
    const { headers } = kept.key;
    const symbol = uniqueSymbol('RS');
    const c = await createCampaign(kept.app, { symbol });
    const p = await openPosition(kept.app, c.id, {
      pattern_type: 'SPRING',
      entry_price: '50',
      shares: '2',
      stop_loss: '45',
      entry_date: at('09:00'),
    });
    await expectSameBytes(c.id, headers);

    // The other instance keeps reads of its own; it acts with the same key.
    const moved = await moveStop(another.app, p.id, { stop_loss: '47' }, headers);
    expect([moved.statusCode, moved.headers.etag]).toEqual([200, '"3"']);
    const res = await read(kept, `/api/v1/campaigns/${c.id}/positions`, headers);
    expect(res.headers.etag).toBe('"3"');
    expect(res.json().positions[0].stop_loss).toBe('47.00000000');
    await expectSameBytes(c.id, headers);

    // A mark moves no version: the seq alone tells the kept body from the current one.
    await mark(kept.orm, symbol, '51', at('10:00'));
    const marked = await read(kept, `/api/v1/campaigns/${c.id}`, headers);
    expect([marked.headers.etag, marked.json().unrealized_pnl]).toEqual(['"3"', '2.00000000']);
    await expectSameBytes(c.id, headers);
  });
});

describe('kept reads and accounts', () => {
  it('answer another account 404, as for a campaign that does not exist', async () => {
    const c = await createCampaign(kept.app, { symbol: uniqueSymbol('RA') });
    await openPosition(kept.app, c.id, { pattern_type: 'SPRING', entry_price: '10', shares: '1', stop_loss: '9', entry_date: at('09:00') });
    await expectSameBytes(c.id, kept.key.headers);
    const stranger = await createTestKey(kept.orm);
    for (const q of READS) {
      const res = await read(kept, `/api/v1/campaigns/${c.id}${q}`, stranger.headers);
      const fresh = await read(renders, `/api/v1/campaigns/${c.id}${q}`, stranger.headers);
      expect([res.statusCode, res.json().error.code]).toEqual([404, 'not_found']);
      expect(seen(res)).toEqual(seen(fresh));
      expect(res.body).not.toContain('"positions"');
    }
  });
});

describe('the bound on kept bytes', () => {
  it('evicts the least recently used bodies and keeps within it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await createCampaign(kept.app, { symbol: `RB${i}${uniqueSymbol().padEnd(9, 'X').slice(1, 9)}` });
      await openPosition(kept.app, c.id, {
        pattern_type: 'SPRING',
        entry_price: '10',
        shares: '1',
        stop_loss: '9',
        entry_date: at('09:00'),
      });
      ids.push(c.id);
    }
    const url = (id: string) => `/api/v1/campaigns/${id}/positions`;
    const sizes = await Promise.all(ids.map(async (id) => (await read(renders, url(id), kept.key.headers)).rawPayload.length));
    // Room for two bodies and their overhead, not three.
    const bound = 2 * (Math.max(...sizes) + 256) + 64;
    const small = await startGateway({ readCacheBytes: bound });
    try {
      const get = async (id: string) => {
        const res = await read(small, url(id), kept.key.headers);
        expect(seen(res)).toEqual(seen(await read(renders, url(id), kept.key.headers)));
      };
      const [a, b, c] = ids as [string, string, string];
      await get(a);
      await get(b);
      await get(a); // a hit: b is now the least recently used
      expect(await count(small, 'hit')).toBe(1);
      await get(c); // over the bound: b goes
      let m = await scrape(small);
      expect(sampleSum(m, 'cpt_rendered_reads_evictions_total')).toBe(1);
      expect(sampleSum(m, 'cpt_rendered_reads_bytes')).toBeLessThanOrEqual(bound);
      await get(a);
      await get(c);
      expect(await count(small, 'hit')).toBe(3);
      const misses = await count(small, 'miss');
      await get(b);
      m = await scrape(small);
      expect(sampleSum(m, 'cpt_rendered_reads_total', { result: 'miss' })).toBe(misses + 1);
      expect(sampleSum(m, 'cpt_rendered_reads_bytes')).toBeLessThanOrEqual(bound);
    } finally {
      await small.close();
    }
  });

  it('keeps nothing at READ_CACHE_BYTES=0', async () => {
    const c = await createCampaign(renders.app, { symbol: uniqueSymbol('RZ') });
    await read(renders, `/api/v1/campaigns/${c.id}/positions`, renders.key.headers);
    await read(renders, `/api/v1/campaigns/${c.id}/positions`, renders.key.headers);
    const m = await scrape(renders);
    expect([sampleSum(m, 'cpt_rendered_reads_total'), sampleSum(m, 'cpt_rendered_reads_bytes')]).toEqual([0, 0]);
  });
});
