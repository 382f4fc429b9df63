import { randomUUID } from 'node:crypto';
import { createTestKey, waitFor } from '@cpt/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { at, createCampaign, get, positionsOf, post } from './api.js';
import { type Frame, WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, type RealtimeGatewayOptions, startRealtimeGateway } from './realtime-support.js';

/**
 * What one WebSocket client may cost the gateway, and what it may not take from the others: the
 * bytes held for a client that does not read are bounded, a client that piles up subscriptions is
 * closed, and a client that floods subscribes does not delay another client's snapshot.
 */

const symbol = () => `WL${randomUUID().slice(0, 8).toUpperCase()}`;

/** Adds `n` OPEN positions to a campaign with one statement (as libs/application/test/query-plans.test.ts does). */
async function bulkPositions(gw: RealtimeGateway, campaignId: string, n: number): Promise<void> {
  await gw.orm.em.fork().execute(
    `insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
       open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, closed_date,
       exit_price, realized_pnl, marked_at, max_favorable_price, max_adverse_price, created_at, updated_at)
     select gen_random_uuid(), c.account_id, c.id, null, c.symbol, '1h', 'SPRING', timestamptz '2026-11-20' + g * interval '1 second',
       100 + g % 7, 10 + g, 10 + g, 95, 95, (5 + g % 7) * (10 + g), (5 + g % 7) * (10 + g), 0, 0, 100 + g % 7, 0, 'OPEN', null,
       null, null, null, 100 + g % 7, 100 + g % 7, now(), now()
     from campaigns c cross join generate_series(1, ?::int) g where c.id = ?`,
    [n, campaignId],
    'run',
  );
}

/** The gateway's side of the only WebSocket open on it. */
function serverSocket(gw: RealtimeGateway): Promise<WebSocket> {
  const wss = (gw.app as unknown as { websocketServer: { clients: Set<WebSocket> } }).websocketServer;
  return waitFor(() => (wss.clients.size === 1 ? [...wss.clients][0] : undefined), { what: 'the server side of the connection' });
}

/**
 * Records every frame the gateway writes to a socket and the most bytes the socket held unsent
 * right after a write (the only moment they grow).
 */
function watchWrites(ws: WebSocket) {
  const seen = { frames: 0, snapshots: 0, maxUnsent: 0 };
  const send = ws.send.bind(ws) as (...args: unknown[]) => void;
  ws.send = ((data: unknown, ...rest: unknown[]) => {
    send(data, ...rest);
    seen.frames++;
    if (String(data).startsWith('{"type":"snapshot"')) seen.snapshots++;
    seen.maxUnsent = Math.max(seen.maxUnsent, ws.bufferedAmount);
  }) as typeof ws.send;
  return seen;
}

/** How the connection was closed, once it is, within a deadline. */
async function closedWithin(probe: WsProbe, timeoutMs: number): Promise<{ code: number; reason: string }> {
  let closed: { code: number; reason: string } | undefined;
  void probe.closed.then((c) => {
    closed = c;
  });
  return waitFor(() => closed, { timeoutMs, what: 'the connection to close' });
}

/** A turn of the event loop, so that sockets and timers run between a client's messages. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

const MAX_UNSENT = 2 * 1_048_576;
const MAX_BUFFERED = 65_536;
// A server frame's header: at most 10 bytes on top of its payload.
const FRAME_HEADER = 10;

describe('the bounds of one WebSocket client', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  async function gateway(opts: RealtimeGatewayOptions): Promise<RealtimeGateway> {
    const gw = await startRealtimeGateway({ pingIntervalMs: 120_000, ...opts });
    cleanups.push(() => gw.close());
    return gw;
  }

  it('closes with 4008 a client that never reads and cycles subscribe/unsubscribe on a large campaign; its unsent bytes never pass the bound', {
    timeout: 90_000,
  }, async () => {
    const gw = await gateway({ maxUnsentBytes: MAX_UNSENT, maxBufferedBytes: MAX_BUFFERED, slowClientDeadlineMs: 1000 });
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    await bulkPositions(gw, id, 1000);
    const view = await positionsOf(gw.app, id);
    expect(view.positions).toHaveLength(1000);
    // Each snapshot is about half a megabyte: a few fill the loopback's socket buffers, and then the gateway's.
    expect(Buffer.byteLength(JSON.stringify(view))).toBeGreaterThan(400_000);

    const client = await WsProbe.open(gw.wsUrl);
    cleanups.push(async () => {
      client.resume();
      await client.close();
    });
    const server = await serverSocket(gw);
    const writes = watchWrites(server);
    client.pause();

    const closedByServer = () => (gw.app.realtime?.stats().slowClosed ?? 0) > 0;
    const full = () => server.bufferedAmount > MAX_BUFFERED;
    // Cycles that each wait for the snapshot to go out, until the socket buffers are full and the
    // gateway holds the next one back.
    let cycles = 0;
    while (!full() && !closedByServer()) {
      expect(cycles, `the socket never filled (${writes.snapshots} snapshots)`).toBeLessThan(200);
      const before = writes.frames;
      client.subscribe([id]);
      await waitFor(() => writes.frames > before || full() || closedByServer(), {
        timeoutMs: 10_000,
        what: 'the snapshot, or a full socket',
      });
      client.send({ type: 'unsubscribe', campaign_ids: [id] });
      cycles++;
      await turn();
    }
    // Cycles whose subscription lives as long as a read of the campaign takes (a REST read of it
    // stands in for the snapshot's): the gateway may not queue a snapshot for a socket with no room.
    for (let i = 0; i < 20 && !closedByServer(); i++) {
      client.subscribe([id]);
      await positionsOf(gw.app, id);
      client.send({ type: 'unsubscribe', campaign_ids: [id] });
      await turn();
    }
    // Cycles as fast as the client can send them: nothing more may pile up either.
    for (let i = 0; i < 2000 && !closedByServer(); i++) {
      client.subscribe([id]);
      client.send({ type: 'unsubscribe', campaign_ids: [id] });
      if (i % 50 === 0) await turn();
    }
    expect(writes.snapshots).toBeGreaterThan(0);
    expect(writes.maxUnsent).toBeLessThanOrEqual(MAX_UNSENT + FRAME_HEADER);
    // A last subscription waits for room that never comes: the client is stuck, and goes.
    client.subscribe([id]);
    await waitFor(closedByServer, { timeoutMs: 10_000, what: 'the gateway to close the client (its deadline is 1 s)' });
    expect(writes.maxUnsent).toBeLessThanOrEqual(MAX_UNSENT + FRAME_HEADER);
    client.resume();
    expect(await closedWithin(client, 10_000)).toEqual({ code: 4008, reason: 'too slow' });
    // Whatever reached the client is whole snapshots of that campaign.
    expect(client.frames.every((f) => f.type === 'snapshot' && f.campaign_id === id)).toBe(true);
  });

  it('closes with 4008 a client with more subscriptions waiting for their first answer than allowed', async () => {
    const gw = await gateway({ maxPendingSubscriptions: 10 });
    const client = await WsProbe.open(gw.wsUrl);
    cleanups.push(() => client.close());
    const ten = Array.from({ length: 10 }, () => randomUUID());
    client.subscribe(ten);
    await waitFor(() => client.frames.length >= 10, { what: 'ten answers' });
    expect(client.frames.map((f) => [f.code, f.campaign_id])).toEqual(ten.map((c) => ['not_found', c]));
    expect(client.ws.readyState).toBe(WebSocket.OPEN);

    client.subscribe(Array.from({ length: 11 }, () => randomUUID()));
    expect(await closedWithin(client, 10_000)).toEqual({ code: 4008, reason: 'too slow' });
    expect(gw.app.realtime?.stats().slowClosed).toBe(1);

    // The bound is per connection: another one subscribes as before.
    const other = await WsProbe.open(gw.wsUrl);
    cleanups.push(() => other.close());
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    other.subscribe([id]);
    expect((await other.next((f) => f.campaign_id === id, 'the snapshot')).type).toBe('snapshot');
  });
});

describe('a client that floods subscribes with unknown campaigns', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it('does not delay another connection’s snapshot, and gets one not_found error per campaign', { timeout: 90_000 }, async () => {
    // Room for the whole flood, so that it is answered rather than closed.
    const gw = await startRealtimeGateway({ maxPendingSubscriptions: 10_000, pingIntervalMs: 120_000 });
    cleanups.push(() => gw.close());
    // The victim is a connection of another account, following a campaign of its own.
    const victimKey = await createTestKey(gw.orm);
    const created = await post(gw.app, '/api/v1/campaigns', { name: 'victim', symbol: symbol(), timeframe: '1h' }, victimKey.headers);
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const opened = await post(
      gw.app,
      `/api/v1/campaigns/${id}/positions`,
      { pattern_type: 'SPRING', entry_price: '150', shares: '100', stop_loss: '148', entry_date: at('09:00') },
      victimKey.headers,
    );
    expect(opened.statusCode, opened.body).toBe(201);
    const expected = (await get(gw.app, `/api/v1/campaigns/${id}/positions`, victimKey.headers)).json();

    const flood = await WsProbe.open(gw.wsUrl);
    const victim = await WsProbe.open(gw.wsUrl.replace(gw.key.key, victimKey.key));
    cleanups.push(
      () => flood.close(),
      () => victim.close(),
    );

    const batches = Array.from({ length: 5 }, () => Array.from({ length: 1000 }, () => randomUUID()));
    for (const ids of batches) flood.subscribe(ids);
    const asked = performance.now();
    victim.subscribe([id]);
    const snapshot = await victim.next((f) => f.campaign_id === id, 'the victim’s snapshot', 0, 1000);
    const waited = performance.now() - asked;
    expect(waited).toBeLessThan(1000);
    expect(snapshot).toEqual({ type: 'snapshot', campaign_id: id, seq: 1, data: expected });

    const errors = await waitFor(() => flood.frames.length >= 5000 && flood.frames, { timeoutMs: 30_000, what: '5,000 answers' });
    expect(errors).toHaveLength(5000);
    const sent = batches.flat();
    expect(errors.map((f: Frame) => f.campaign_id).sort()).toEqual([...sent].sort());
    for (const f of errors) {
      expect(f).toEqual({ type: 'error', code: 'not_found', message: `campaign ${f.campaign_id} not found`, campaign_id: f.campaign_id });
    }
    expect(flood.ws.readyState).toBe(WebSocket.OPEN);
    flood.send({ type: 'ping' });
    await flood.next((f) => f.type === 'pong', 'pong');
    expect(victim.frames).toHaveLength(1);
  });
});
