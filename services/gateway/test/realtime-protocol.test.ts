import { randomUUID } from 'node:crypto';
import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { at, createCampaign, get, openPosition, positionsOf } from './api.js';
import { WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway, TestRelay } from './realtime-support.js';

const symbol = () => `WS${randomUUID().slice(0, 8).toUpperCase()}`;
const spring = (hhmm: string) => ({
  pattern_type: 'SPRING',
  entry_price: '1.2500',
  shares: '8000',
  stop_loss: '1.2450',
  entry_date: at(hhmm),
});

describe('GET /api/v1/ws: the protocol', () => {
  let gw: RealtimeGateway;
  let relay: TestRelay;
  beforeAll(async () => {
    [gw, relay] = await Promise.all([startRealtimeGateway(), TestRelay.open()]);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), relay?.close()]);
  });

  it('answers malformed and invalid messages and unknown campaigns with an error frame, and stays open', async () => {
    const c = await WsProbe.open(gw.wsUrl);
    const unknown = randomUUID();
    c.send('{"type": "subscribe", ');
    c.send('[1, 2]');
    c.send({ type: 'subscribe', campaign_ids: [] });
    c.send({ type: 'subscribe', campaign_ids: ['GBPUSD'] });
    c.send({ type: 'dance' });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.subscribe([unknown]);
    await c.next((f) => f.code === 'not_found', 'the unknown campaign error');
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong', 'pong');
    expect(c.frames.map((f) => [f.type, f.code])).toEqual([
      ['error', 'bad_request'],
      ['error', 'validation_failed'],
      ['error', 'validation_failed'],
      ['error', 'validation_failed'],
      ['error', 'validation_failed'],
      ['error', 'bad_request'],
      ['error', 'not_found'],
      ['pong', undefined],
    ]);
    for (const f of c.frames.slice(0, -2)) {
      expect(Object.keys(f)).toEqual(['type', 'code', 'message']);
      expect(String(f.message).length).toBeGreaterThan(0);
    }
    // An error about one campaign names it.
    expect(Object.keys(c.frames[6] ?? {})).toEqual(['type', 'code', 'message', 'campaign_id']);
    expect(c.frames[6]?.campaign_id).toBe(unknown);
    expect(c.frames[3]?.message).toMatch(/campaign_ids\[0\]: must be a UUID/);
    expect(c.frames[6]?.message).toBe(`campaign ${unknown} not found`);
    expect(c.frames.at(-1)).toEqual({ type: 'pong' });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    await c.close();
  });

  it('sends a snapshot equal to the REST view with the seq of the last change, once per campaign', async () => {
    const campaign = await createCampaign(gw.app, { symbol: symbol() });
    const empty = await createCampaign(gw.app, { symbol: symbol() });
    await relay.around([campaign.id], async () => {
      await openPosition(gw.app, campaign.id, spring('09:00'));
      await openPosition(gw.app, campaign.id, { ...spring('09:30'), pattern_type: 'SOS', entry_price: '1.2550', stop_loss: '1.2500' });
    });
    const c = await WsProbe.open(gw.wsUrl);
    c.subscribe([campaign.id.toUpperCase(), empty.id]);
    await waitFor(() => c.frames.length >= 2, { what: 'two snapshots' });
    const byCampaign = new Map(c.frames.map((f) => [f.campaign_id, f]));
    expect(byCampaign.get(campaign.id)).toEqual({
      type: 'snapshot',
      campaign_id: campaign.id,
      seq: 2,
      data: await positionsOf(gw.app, campaign.id),
    });
    expect(byCampaign.get(empty.id)).toEqual({
      type: 'snapshot',
      campaign_id: empty.id,
      seq: 0,
      data: await positionsOf(gw.app, empty.id),
    });
    expect(byCampaign.get(campaign.id)?.data).toMatchObject({
      total_shares: '16000.00000000',
      weighted_avg_entry: '1.25250000',
      version: 3,
    });

    // Subscribing again changes nothing and says where the subscription stands.
    c.subscribe([campaign.id]);
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong', 'pong');
    expect(c.frames.map((f) => f.type)).toEqual(['snapshot', 'snapshot', 'resumed', 'pong']);
    expect(c.frames[2]).toMatchObject({ type: 'resumed', campaign_id: campaign.id, seq: 2 });
    await c.close();
  });

  it('stops sending updates of a campaign after unsubscribe', async () => {
    const a = await createCampaign(gw.app, { symbol: symbol() });
    const b = await createCampaign(gw.app, { symbol: symbol() });
    const c = await WsProbe.open(gw.wsUrl);
    c.subscribe([a.id, b.id]);
    await waitFor(() => c.frames.length === 2, { what: 'two snapshots' });
    c.send({ type: 'unsubscribe', campaign_ids: [a.id] });
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong', 'pong');
    await relay.around([a.id, b.id], async () => {
      await openPosition(gw.app, a.id, spring('09:00'));
      await openPosition(gw.app, b.id, spring('09:00'));
    });
    await c.untilSeq(b.id, 1);
    await waitFor(() => gw.hub.lastSeq(a.id) === 1, { what: 'the event of the unsubscribed campaign to reach the gateway' });
    expect(c.of(a.id).map((f) => f.type)).toEqual(['snapshot']);
    expect(c.of(b.id).map((f) => [f.type, f.seq, f.reason])).toEqual([
      ['snapshot', 0, undefined],
      ['campaign_updated', 1, 'position_opened'],
    ]);
    await c.close();
  });

  it('answers a plain GET with 400, closes on an oversized message, and is ready once the consumer joined', async () => {
    const plain = await get(gw.app, '/api/v1/ws');
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.code).toBe('bad_request');
    const ready = await get(gw.app, '/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toEqual({ database: 'up', kafka: 'up', events: 'up' });

    const c = await WsProbe.open(gw.wsUrl);
    c.send('x'.repeat(300 * 1024));
    expect((await c.closed).code).toBe(1009);
  });
});

describe('heartbeats', () => {
  let gw: RealtimeGateway;
  beforeAll(async () => {
    gw = await startRealtimeGateway({ pingIntervalMs: 100 });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('drops a connection that stops answering pings and keeps one that answers', async () => {
    const healthy = await WsProbe.open(gw.wsUrl);
    const silent = new WebSocket(gw.wsUrl, { autoPong: false });
    const pings: number[] = [];
    silent.on('ping', () => pings.push(Date.now()));
    const closed = new Promise<number>((resolve) => silent.on('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
    expect(pings.length).toBeGreaterThanOrEqual(1);
    expect(gw.app.realtime?.stats().heartbeatClosed).toBe(1);
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
    healthy.send({ type: 'ping' });
    await healthy.next((f) => f.type === 'pong', 'pong');
    await healthy.close();
  });
});
