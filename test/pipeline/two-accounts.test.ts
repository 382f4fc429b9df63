import { openOrm } from '@cpt/application';
import { createTestKey, type TestKey, testDatabaseUrl, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { replay, WsProbe } from '../realtime/ws-probe.js';
import { uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import { type RunningService, startService } from '../support/services.js';

/**
 * Section 7 end to end: two accounts run the story's AAPL lifecycle on the same symbol through the
 * real services. Market data is shared (one tick marks both), everything else is not: neither
 * sees the other's campaigns, positions, journal or WebSocket events, and each account's totals
 * are exactly its own at every step.
 */

type Api = ReturnType<typeof client>;
type View = Record<string, unknown> & { version: number; positions: Record<string, unknown>[] };

interface Totals {
  total_shares: string;
  weighted_avg_entry: string;
  total_risk: string;
  unrealized_pnl: string;
  realized_pnl: string;
  total_pnl: string;
  open_positions_count: number;
  closed_positions_count: number;
  as_of: string | null;
}

const MARK_TS = '2026-11-25T10:00:00.000Z';

/** Totals from short figures, each decimal written out as the contract outputs it (8 fractional digits). */
function totals(t: {
  shares: string;
  wae: string;
  risk: string;
  unrealized: string;
  realized: string;
  total: string;
  open: number;
  closed: number;
  asOf: string | null;
}): Totals {
  const d8 = (x: string): string => {
    const [int, frac = ''] = x.split('.');
    return `${int}.${frac.padEnd(8, '0')}`;
  };
  return {
    total_shares: d8(t.shares),
    weighted_avg_entry: d8(t.wae),
    total_risk: d8(t.risk),
    unrealized_pnl: d8(t.unrealized),
    realized_pnl: d8(t.realized),
    total_pnl: d8(t.total),
    open_positions_count: t.open,
    closed_positions_count: t.closed,
    as_of: t.asOf,
  };
}

const flat = { unrealized: '0', realized: '0', total: '0', asOf: null };
/** The totals the story gives after each step; both accounts go the same way until the last exits. */
const STEP = {
  created: totals({ shares: '0', wae: '0', risk: '0', ...flat, open: 0, closed: 0 }),
  spring: totals({ shares: '100', wae: '150', risk: '200', ...flat, open: 1, closed: 0 }),
  // (150 × 100 + 152 × 75) / 175 = 150.857142857…; risk 2 × 100 + 2.5 × 75.
  sos: totals({ shares: '175', wae: '150.85714286', risk: '387.5', ...flat, open: 2, closed: 0 }),
  // 5 × 100 + 3 × 75 at 155.00.
  marked: totals({
    shares: '175',
    wae: '150.85714286',
    risk: '387.5',
    unrealized: '725',
    realized: '0',
    total: '725',
    open: 2,
    closed: 0,
    asOf: MARK_TS,
  }),
  // Spring closed at 158.00: 8 × 100 realized.
  springClosed: totals({
    shares: '75',
    wae: '152',
    risk: '187.5',
    unrealized: '225',
    realized: '800',
    total: '1025',
    open: 1,
    closed: 1,
    asOf: MARK_TS,
  }),
  // (152 × 75 + 153 × 80) / 155 = 152.516129032…; the LPS, entered after the mark, carries none.
  lps: totals({
    shares: '155',
    wae: '152.51612903',
    risk: '347.5',
    unrealized: '225',
    realized: '800',
    total: '1025',
    open: 2,
    closed: 1,
    asOf: MARK_TS,
  }),
  sosClosed: (realized: string) =>
    totals({ shares: '80', wae: '153', risk: '160', unrealized: '0', realized, total: realized, open: 1, closed: 2, asOf: MARK_TS }),
  allClosed: (realized: string) =>
    totals({ shares: '0', wae: '0', risk: '0', unrealized: '0', realized, total: realized, open: 0, closed: 3, asOf: MARK_TS }),
};

const totalsOf = (view: Record<string, unknown>): Totals =>
  Object.fromEntries(Object.keys(STEP.created).map((k) => [k, view[k]])) as unknown as Totals;

describe('two accounts side by side on one symbol', () => {
  let services: RunningService[] = [];
  let keyA: TestKey;
  let keyB: TestKey;
  let a: Api;
  let b: Api;
  let ingest: Api;
  let gatewayUrl: string;

  beforeAll(async () => {
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 1 });
    try {
      keyA = await createTestKey(orm, { name: 'desk A' });
      keyB = await createTestKey(orm, { name: 'desk B' });
    } finally {
      await orm.close(true);
    }
    services = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: `e2e-two-accounts-${Date.now()}`, CONSUMER_START: 'latest' }),
    ]);
    const [g, i] = services as [RunningService, RunningService];
    gatewayUrl = g.url;
    a = client(g.url, keyA);
    b = client(g.url, keyB);
    ingest = client(i.url, keyA);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('runs the AAPL lifecycle for both, one tick marks both, and neither sees anything of the other', { timeout: 120_000 }, async () => {
    expect(keyA.accountId).not.toBe(keyB.accountId);
    const symbol = uniqueSymbol('AAPL');

    const create = async (api: Api) => {
      const r = await api.post<{ id: string; version: number }>('/api/v1/campaigns', { name: 'AAPL range', symbol, timeframe: '1d' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id;
    };
    const [idA, idB] = [await create(a), await create(b)];
    const campaigns = [
      { api: a, id: idA, other: idB, key: keyA },
      { api: b, id: idB, other: idA, key: keyB },
    ] as const;

    // Each account follows its own campaign over the WebSocket, and asks for the other's.
    const wsA = await WsProbe.open(gatewayUrl, keyA);
    const wsB = await WsProbe.open(gatewayUrl, keyB);
    const sockets = [wsA, wsB] as const;
    wsA.subscribe([idA]);
    wsB.subscribe([idB]);
    await wsA.next((f) => f.type === 'snapshot', 'A’s snapshot');
    await wsB.next((f) => f.type === 'snapshot', 'B’s snapshot');
    wsA.subscribe([idB]);
    wsB.subscribe([idA]);
    for (const [ws, other] of [
      [wsA, idB],
      [wsB, idA],
    ] as const) {
      const refused = await ws.next((f) => f.campaign_id === other, 'the answer about the other account’s campaign');
      const { text: _text, ...frame } = refused;
      expect(frame).toEqual({ type: 'error', code: 'not_found', message: `campaign ${other} not found`, campaign_id: other });
    }

    /** Both accounts' positions views, asserting their totals and versions. */
    const expectStep = async (what: string, expected: [Totals, Totals], versions: [number, number]) => {
      const views: View[] = [];
      for (const [i, c] of campaigns.entries()) {
        const r = await c.api.get<View>(`/api/v1/campaigns/${c.id}/positions`);
        expect(r.status).toBe(200);
        expect([what, i, totalsOf(r.body), r.body.version]).toEqual([what, i, expected[i], versions[i]]);
        const single = await c.api.get<View>(`/api/v1/campaigns/${c.id}`);
        expect([what, i, totalsOf(single.body)]).toEqual([what, i, expected[i]]);
        views.push(r.body);
      }
      return views;
    };
    const both = <T>(t: T): [T, T] => [t, t];

    await expectStep('created', both(STEP.created), [1, 1]);
    const open = async (pattern: string, price: string, shares: string, stop: string, entryDate: string) => {
      const ids: string[] = [];
      for (const c of campaigns) {
        const r = await c.api.post<{ id: string }>(`/api/v1/campaigns/${c.id}/positions`, {
          pattern_type: pattern,
          entry_price: price,
          shares,
          stop_loss: stop,
          entry_date: entryDate,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
        ids.push(r.body.id);
      }
      return ids as [string, string];
    };
    const close = async (ids: [string, string], prices: [string, string], closedDate: string) => {
      for (const [i, c] of campaigns.entries()) {
        const r = await c.api.post<Record<string, string>>(`/api/v1/positions/${ids[i]}/close`, {
          exit_price: prices[i],
          closed_date: closedDate,
        });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      }
    };

    const spring = await open('SPRING', '150.00', '100', '148.00', '2026-11-25T09:00:00Z');
    await expectStep('Spring 100 @ 150.00', both(STEP.spring), [2, 2]);
    const sos = await open('SOS', '152.00', '75', '149.50', '2026-11-25T09:30:00Z');
    await expectStep('SOS 75 @ 152.00', both(STEP.sos), [3, 3]);

    // One tick, posted once, marks the positions of both accounts.
    const posted = await ingest.post('/api/v1/ticks', { symbol, price: '155.00', ts: '2026-11-25T10:00:00Z', source: 'e2e' });
    expect([posted.status, posted.body]).toEqual([202, { accepted: 1 }]);
    for (const c of campaigns) {
      await waitFor(async () => (await c.api.get<View>(`/api/v1/campaigns/${c.id}/positions`)).body.as_of === MARK_TS, {
        timeoutMs: 30_000,
        what: `the mark on ${c.id}`,
      });
    }
    const marked = await expectStep('marked at 155.00', both(STEP.marked), [3, 3]);
    for (const view of marked) {
      expect(view.positions.map((p) => [p.pattern_type, p.current_price, p.current_pnl, p.marked_at])).toEqual([
        ['SPRING', '155.00000000', '500.00000000', MARK_TS],
        ['SOS', '155.00000000', '225.00000000', MARK_TS],
      ]);
    }

    await close(spring, ['158.00', '158.00'], '2026-11-25T10:15:00Z');
    await expectStep('Spring closed at 158.00', both(STEP.springClosed), [4, 4]);
    const lps = await open('LPS', '153.00', '80', '151.00', '2026-11-25T10:30:00Z');
    await expectStep('LPS 80 @ 153.00', both(STEP.lps), [5, 5]);

    // The accounts part ways on the last exits, so that a total mixing them would show.
    await close(sos, ['155.00', '156.00'], '2026-11-25T11:00:00Z');
    await expectStep(
      'SOS closed',
      // A: 800 + 3 × 75; B: 800 + 4 × 75.
      [STEP.sosClosed('1025'), STEP.sosClosed('1100')],
      [6, 6],
    );
    await close(lps, ['155.00', '154.50'], '2026-11-25T11:30:00Z');
    const done = await expectStep(
      'all closed',
      // A: 1025 + 2 × 80; B: 1100 + 1.5 × 80.
      [STEP.allClosed('1185'), STEP.allClosed('1220')],
      [7, 7],
    );
    expect(done.map((v) => v.positions.map((p) => [p.pattern_type, p.status, p.realized_pnl]))).toEqual([
      [
        ['SPRING', 'CLOSED', '800.00000000'],
        ['SOS', 'CLOSED', '225.00000000'],
        ['LPS', 'CLOSED', '160.00000000'],
      ],
      [
        ['SPRING', 'CLOSED', '800.00000000'],
        ['SOS', 'CLOSED', '300.00000000'],
        ['LPS', 'CLOSED', '120.00000000'],
      ],
    ]);
    for (const c of campaigns) {
      const r = await c.api.post<{ status: string; version: number }>(`/api/v1/campaigns/${c.id}/close`, undefined, { 'if-match': '"7"' });
      expect([r.status, r.body.status, r.body.version]).toEqual([200, 'CLOSED', 8]);
    }

    // Neither account sees the other's campaign, positions or journal, nor can it act on them.
    const positionIds = [
      [spring[0], sos[0], lps[0]],
      [spring[1], sos[1], lps[1]],
    ];
    for (const [i, c] of campaigns.entries()) {
      const list = await c.api.get<{ items: { id: string }[] }>('/api/v1/campaigns?limit=200');
      expect(list.status).toBe(200);
      expect(list.body.items.map((x) => x.id)).toEqual([c.id]);
      for (const path of [
        `/api/v1/campaigns/${c.other}`,
        `/api/v1/campaigns/${c.other}/positions`,
        `/api/v1/campaigns/${c.other}/journal`,
      ]) {
        const r = await c.api.get<{ error: { code: string } }>(path);
        expect([path, r.status, r.body?.error?.code]).toEqual([path, 404, 'not_found']);
      }
      for (const id of positionIds[1 - i] as string[]) {
        const moved = await c.api.patch<{ error: { code: string } }>(`/api/v1/positions/${id}`, { stop_loss: '1' });
        const closed = await c.api.post<{ error: { code: string } }>(`/api/v1/positions/${id}/close`, { exit_price: '1' });
        expect([moved.status, moved.body?.error?.code, closed.status, closed.body?.error?.code]).toEqual([
          404,
          'not_found',
          404,
          'not_found',
        ]);
      }
      const journal = await c.api.get<{ items: { action: string; key_id: string; key_name: string }[] }>(
        `/api/v1/campaigns/${c.id}/journal`,
      );
      expect(journal.body.items.map((e) => e.action)).toEqual([
        'campaign_closed',
        'position_closed',
        'position_closed',
        'position_opened',
        'position_closed',
        'position_opened',
        'position_opened',
        'campaign_created',
      ]);
      expect(new Set(journal.body.items.map((e) => `${e.key_id} ${e.key_name}`))).toEqual(
        new Set([`${c.key.keyId} ${i === 0 ? 'desk A' : 'desk B'}`]),
      );
    }

    // Over the WebSocket each saw its own campaign to the end, in order, and nothing of the other's
    // but the one refusal.
    for (const [i, ws] of sockets.entries()) {
      const c = campaigns[i] as (typeof campaigns)[number];
      await ws.untilSeq(c.id, 8);
      const own = ws.of(c.id);
      expect(own[0]?.type).toBe('snapshot');
      expect(own.every((f, k) => k === 0 || (f.seq ?? 0) > (own[k - 1]?.seq ?? 0))).toBe(true);
      expect(own.slice(1).map((f) => f.reason)).toEqual(
        expect.arrayContaining(['position_opened', 'marked', 'position_closed', 'campaign_closed']),
      );
      const final = replay(own);
      expect(totalsOf((final?.data ?? {}) as Record<string, unknown>)).toEqual(STEP.allClosed(i === 0 ? '1185' : '1220'));
      expect(final?.data.version).toBe(8);
      expect(ws.of(c.other).map((f) => [f.type, f.code])).toEqual([['error', 'not_found']]);
      expect(ws.frames.every((f) => f.campaign_id === c.id || f.campaign_id === c.other)).toBe(true);
      expect(ws.ws.readyState).toBe(WebSocket.OPEN);
      await ws.close();
    }
  });
});
