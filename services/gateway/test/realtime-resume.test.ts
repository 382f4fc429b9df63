import { randomUUID } from 'node:crypto';
import { RealtimeClient, type ServerMessage } from '@cpt/realtime-client';
import { waitFor } from '@cpt/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { at, createCampaign, mark, openPosition, positionsOf } from './api.js';
import { type RealtimeGateway, startRealtimeGateway, TcpGate, TestRelay } from './realtime-support.js';

const symbol = () => `WS${randomUUID().slice(0, 8).toUpperCase()}`;
const spring = { pattern_type: 'SPRING', entry_price: '1.2500', shares: '8000', stop_loss: '1.2450', entry_date: at('09:00') };
const fastRetry = { initialMs: 50, maxMs: 200, factor: 2, jitter: 0 };

/** A client that records what the server sent it, from the latest connection on. */
function recordingClient(url: string, apiKey: string) {
  const client = new RealtimeClient({ url, apiKey, backoff: fastRetry });
  const messages: ServerMessage[] = [];
  let connections = 0;
  client.on('message', (m) => messages.push(m));
  client.on('open', () => {
    connections++;
    messages.length = 0;
  });
  return { client, messages, connections: () => connections };
}

describe('resume after a lost connection', () => {
  let relay: TestRelay;
  const cleanups: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    relay = await TestRelay.open();
  });
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });
  afterAll(async () => {
    await relay?.close();
  });

  /** A campaign with one position, a client following it through a gate, and a way to make marks. */
  async function setUp(gw: RealtimeGateway) {
    const s = symbol();
    const { id } = await createCampaign(gw.app, { symbol: s });
    await relay.around([id], () => openPosition(gw.app, id, spring));
    const gate = await TcpGate.start(gw.port);
    const rec = recordingClient(gate.wsUrl(), gw.key.key);
    cleanups.push(
      () => rec.client.close(),
      () => gate.close(),
    );
    await rec.client.connect();
    rec.client.subscribe([id]);
    await waitFor(() => rec.client.state(id)?.seq === 1, { what: 'the snapshot' });
    let minute = 0;
    const markOnce = () => relay.around([id], () => mark(gw.orm, s, `1.${2600 + ++minute}`, at(`10:${String(minute).padStart(2, '0')}`)));
    return { id, symbol: s, gate, ...rec, markOnce };
  }

  it('replays the missed updates from the buffer, without a snapshot', async () => {
    const gw = await startRealtimeGateway();
    cleanups.push(() => gw.close());
    const { id, gate, client, messages, connections, markOnce } = await setUp(gw);
    gate.cut();
    for (let i = 0; i < 3; i++) await markOnce();
    await waitFor(() => gw.hub.lastSeq(id) === 4, { what: 'the missed events to reach the gateway' });
    gate.restore();
    await waitFor(() => client.state(id)?.seq === 4, { what: 'the resumed state' });
    expect(connections()).toBeGreaterThanOrEqual(2);
    expect(messages.map((m) => [m.type, 'seq' in m ? m.seq : undefined])).toEqual([
      ['resumed', 1],
      ['campaign_updated', 2],
      ['campaign_updated', 3],
      ['campaign_updated', 4],
    ]);
    expect(client.state(id)?.data).toEqual(await positionsOf(gw.app, id));
    expect(client.state(id)?.data).toMatchObject({ unrealized_pnl: '82.40000000', as_of: at('10:03') });
  });

  it('sends a snapshot when the buffer no longer holds every missed update', async () => {
    const gw = await startRealtimeGateway({ bufferEvents: 2 });
    cleanups.push(() => gw.close());
    const { id, gate, client, messages, markOnce } = await setUp(gw);
    gate.cut();
    for (let i = 0; i < 4; i++) await markOnce();
    await waitFor(() => gw.hub.lastSeq(id) === 5, { what: 'the missed events to reach the gateway' });
    gate.restore();
    await waitFor(() => client.state(id)?.seq === 5, { what: 'the resumed state' });
    expect(messages.map((m) => [m.type, 'seq' in m ? m.seq : undefined])).toEqual([['snapshot', 5]]);
    expect(client.state(id)?.data).toEqual(await positionsOf(gw.app, id));
    await markOnce();
    await waitFor(() => client.state(id)?.seq === 6, { what: 'the next update' });
    expect(client.state(id)?.data).toEqual(await positionsOf(gw.app, id));
  });

  it('closes with 1001 on shutdown; the client resumes on the restarted gateway and follows on', async () => {
    const first = await startRealtimeGateway();
    const { id, symbol: s, client, messages, markOnce } = await setUp(first);
    const closes: number[] = [];
    client.on('close', (code) => closes.push(code));
    await markOnce();
    await waitFor(() => client.state(id)?.seq === 2, { what: 'the first mark' });
    await first.close();
    await waitFor(() => closes[0], { what: 'the close frame' });
    expect(closes[0]).toBe(1001);

    const second = await startRealtimeGateway({ port: first.port, key: first.key });
    cleanups.push(() => second.close());
    // The new gateway holds no events: it reads a snapshot, finds the client up to date, and says so.
    await waitFor(() => client.connected && messages.length === 1, { what: 'the client to reconnect and resume' });
    expect(messages).toEqual([{ type: 'resumed', campaign_id: id, seq: 2 }]);
    messages.length = 0;
    const ping = new Promise<void>((resolve) => client.on('pong', resolve));
    client.ping();
    await ping;
    expect(messages).toEqual([{ type: 'pong' }]);
    await relay.around([id], () => mark(second.orm, s, '1.2700', at('11:00')));
    await waitFor(() => client.state(id)?.seq === 3, { what: 'the update after the restart' });
    expect(client.state(id)?.data).toEqual(await positionsOf(second.app, id));
  });
});
