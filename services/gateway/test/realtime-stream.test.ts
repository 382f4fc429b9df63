import { randomUUID } from 'node:crypto';
import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, closeCampaign, closePosition, createCampaign, mark, moveStop, openPosition, positionsOf, totalsIn } from './api.js';
import { exitPosition } from './exits-support.js';
import { replay, WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway, TestRelay } from './realtime-support.js';

const symbol = () => `WS${randomUUID().slice(0, 8).toUpperCase()}`;
const spring = { pattern_type: 'SPRING', entry_price: '1.2500', shares: '8000', stop_loss: '1.2450', entry_date: at('09:00') };

describe('campaign updates over the WebSocket', () => {
  let gw: RealtimeGateway;
  let relay: TestRelay;
  beforeAll(async () => {
    [gw, relay] = await Promise.all([startRealtimeGateway(), TestRelay.open()]);
  });
  afterAll(async () => {
    await Promise.all([gw?.close(), relay?.close()]);
  });

  it('sends the snapshot, then one update per change with the next seq, for every reason, with the REST totals', async () => {
    const s = symbol();
    const { id } = await createCampaign(gw.app, { symbol: s });
    const c = await WsProbe.open(gw.wsUrl);
    c.subscribe([id]);
    await c.next((f) => f.type === 'snapshot', 'the snapshot');
    const rest: Record<string, unknown>[] = [];
    const step = async (change: () => Promise<unknown>) => {
      await relay.around([id], change);
      rest.push(await positionsOf(gw.app, id));
    };
    let positionId = '';
    await step(async () => {
      positionId = (await openPosition(gw.app, id, spring)).id;
    });
    await step(() => mark(gw.orm, s, '1.2575', at('10:00')));
    await step(() => moveStop(gw.app, positionId, { stop_loss: '1.2480' }));
    await step(() => closePosition(gw.app, positionId, { exit_price: '1.2625', closed_date: at('10:30') }));
    await step(() => closeCampaign(gw.app, id));
    await c.untilSeq(id, 5);

    const frames = c.of(id);
    expect(frames.map((f) => [f.type, f.seq, f.reason, f.version])).toEqual([
      ['snapshot', 0, undefined, undefined],
      ['campaign_updated', 1, 'position_opened', 2],
      ['campaign_updated', 2, 'marked', 2],
      ['campaign_updated', 3, 'stop_moved', 3],
      ['campaign_updated', 4, 'position_closed', 4],
      ['campaign_updated', 5, 'campaign_closed', 5],
    ]);
    frames.slice(1).forEach((f, i) => {
      expect(f.totals).toEqual(totalsIn(rest[i] as Record<string, unknown>));
    });
    expect(frames[2]?.totals).toMatchObject({
      unrealized_pnl: '60.00000000',
      total_pnl: '60.00000000',
      total_risk: '40.00000000',
      net_pnl: '60.00000000',
      initial_risk: '40.00000000',
      r_multiple: '1.50000000',
    });
    expect(frames[2]?.changed_positions).toMatchObject([
      { id: positionId, current_pnl: '60.00000000', net_pnl: '60.00000000', r_multiple: '1.50000000' },
    ]);
    // A moved stop changes the risk on the open shares, never the initial risk.
    expect(frames[3]?.totals).toMatchObject({ total_risk: '16.00000000', initial_risk: '40.00000000', r_multiple: '1.50000000' });
    expect(frames[4]?.totals).toMatchObject({
      realized_pnl: '100.00000000',
      unrealized_pnl: '0.00000000',
      total_shares: '0.00000000',
      total_fees: '0.00000000',
      net_pnl: '100.00000000',
      initial_risk: '40.00000000',
      r_multiple: '2.50000000',
    });
    expect(frames[4]?.changed_positions).toMatchObject([
      {
        id: positionId,
        status: 'CLOSED',
        open_shares: '0.00000000',
        exit_price: '1.26250000',
        realized_pnl: '100.00000000',
        current_pnl: '100.00000000',
        initial_stop: '1.24500000',
        initial_risk: '40.00000000',
        net_pnl: '100.00000000',
        r_multiple: '2.50000000',
        exits: [
          {
            position_id: positionId,
            shares: '8000.00000000',
            price: '1.26250000',
            date: at('10:30'),
            fee: '0.00000000',
            realized_pnl: '100.00000000',
          },
        ],
      },
    ]);
    expect(frames[5]?.changed_positions).toEqual([]);
    expect(replay(frames)?.data).toEqual(await positionsOf(gw.app, id));
    await c.close();
  });

  it('sends a partial exit as position_reduced with the whole position and its exits, then the close that ends it', async () => {
    const s = symbol();
    const { id } = await createCampaign(gw.app, { symbol: s });
    const c = await WsProbe.open(gw.wsUrl);
    c.subscribe([id]);
    await c.next((f) => f.type === 'snapshot', 'the snapshot');
    const p = await relay.around([id], () => openPosition(gw.app, id, { ...spring, entry_fee: '2.00' }));
    await relay.around([id], () => exitPosition(gw.app, p.id, { shares: '3000', price: '1.2550', date: at('10:00'), fee: '1.00' }));
    await relay.around([id], () => exitPosition(gw.app, p.id, { shares: '5000', price: '1.2600', date: at('10:30'), fee: '1.00' }));
    await c.untilSeq(id, 3);
    const frames = c.of(id);
    expect(frames.map((f) => [f.seq, f.reason, f.version])).toEqual([
      [0, undefined, undefined],
      [1, 'position_opened', 2],
      [2, 'position_reduced', 3],
      [3, 'position_closed', 4],
    ]);
    // (1.2550 − 1.2500) × 3000 = 15; fees 2 + 1; the 5000 left at the entry price carry no P&L yet.
    expect(frames[2]?.changed_positions).toMatchObject([
      {
        id: p.id,
        status: 'OPEN',
        open_shares: '5000.00000000',
        realized_pnl: '15.00000000',
        fees: '3.00000000',
        net_pnl: '12.00000000',
        exits: [{ shares: '3000.00000000', price: '1.25500000', date: at('10:00'), fee: '1.00000000', realized_pnl: '15.00000000' }],
      },
    ]);
    expect(frames[2]?.totals).toMatchObject({ total_shares: '5000.00000000', realized_pnl: '15.00000000', total_fees: '3.00000000' });
    // (1.2600 − 1.2500) × 5000 = 50; exit price (1.2550 × 3000 + 1.2600 × 5000) / 8000 = 1.258125.
    expect(frames[3]?.changed_positions).toMatchObject([
      { id: p.id, status: 'CLOSED', exit_price: '1.25812500', realized_pnl: '65.00000000', fees: '4.00000000', net_pnl: '61.00000000' },
    ]);
    expect(((frames[3]?.changed_positions ?? []) as { exits: unknown[] }[])[0]?.exits).toHaveLength(2);
    expect(replay(frames)?.data).toEqual(await positionsOf(gw.app, id));
    await c.close();
  });

  it('sends a change published twice once, and skips values on the topic that are not events', async () => {
    const { id } = await createCampaign(gw.app, { symbol: symbol() });
    const c = await WsProbe.open(gw.wsUrl);
    c.subscribe([id]);
    await c.next((f) => f.type === 'snapshot', 'the snapshot');
    const before = gw.hub.stats();
    await relay.around([id], () => openPosition(gw.app, id, spring), 'twice');
    await relay.publishRaw(id, 'not json');
    await relay.publishRaw(id, JSON.stringify({ type: 'campaign_updated', campaign_id: id, seq: 2 }));
    // Headers that do not match the value: the value is read whole, and refused.
    await relay.publishRaw(id, JSON.stringify({ type: 'campaign_updated', campaign_id: id, seq: 2 }), {
      'campaign-id': id,
      'campaign-seq': '3',
    });
    await relay.around([id], () => openPosition(gw.app, id, { ...spring, entry_date: at('09:05') }), 'twice');
    await c.untilSeq(id, 2);
    await waitFor(() => gw.hub.stats().duplicates >= before.duplicates + 2, { what: 'the repeated events to arrive' });
    expect(gw.hub.stats().invalid).toBeGreaterThanOrEqual(before.invalid + 3);
    // The events themselves were taken by their headers, unparsed.
    expect(gw.hub.stats().unparsed).toBeGreaterThanOrEqual(before.unparsed + 4);
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong', 'pong');
    expect(c.of(id).map((f) => [f.type, f.seq])).toEqual([
      ['snapshot', 0],
      ['campaign_updated', 1],
      ['campaign_updated', 2],
    ]);
    await c.close();
  });

  it('replaces an event lost on the way with a fresh snapshot', async () => {
    const s = symbol();
    const { id } = await createCampaign(gw.app, { symbol: s });
    const c = await WsProbe.open(gw.wsUrl);
    c.subscribe([id]);
    await c.next((f) => f.type === 'snapshot', 'the snapshot');
    const gaps = gw.hub.stats().gaps;
    const p = await relay.around([id], () => openPosition(gw.app, id, spring));
    await relay.around([id], () => mark(gw.orm, s, '1.2600', at('10:00')), 'drop');
    await relay.around([id], () => moveStop(gw.app, p.id, { stop_loss: '1.2490' }));
    await c.untilSeq(id, 3);
    const afterGap = await positionsOf(gw.app, id);
    await relay.around([id], () => mark(gw.orm, s, '1.2650', at('11:00')));
    await c.untilSeq(id, 4);
    const frames = c.of(id);
    expect(frames.map((f) => [f.type, f.seq])).toEqual([
      ['snapshot', 0],
      ['campaign_updated', 1],
      ['snapshot', 3],
      ['campaign_updated', 4],
    ]);
    expect(frames[2]?.data).toEqual(afterGap);
    expect(frames[2]?.data).toMatchObject({ unrealized_pnl: '80.00000000', total_risk: '8.00000000' });
    expect(gw.hub.stats().gaps).toBe(gaps + 1);
    expect(replay(frames)?.data).toEqual(await positionsOf(gw.app, id));
    await c.close();
  });

  it('joins each snapshot to the updates after it without a gap or a repeat while changes stream in', async () => {
    const s = symbol();
    const { id } = await createCampaign(gw.app, { symbol: s });
    await relay.around([id], () => openPosition(gw.app, id, spring));
    const marks = 40;
    const clients: WsProbe[] = [];
    const changes = (async () => {
      for (let i = 1; i <= marks; i++) {
        await relay.around([id], () => mark(gw.orm, s, `1.${2500 + i}`, `2026-11-20T10:00:${String(i).padStart(2, '0')}.000Z`));
      }
    })();
    // One client joins every other change, so that snapshots are read while events arrive.
    for (let i = 0; i < 20; i++) {
      await waitFor(() => (gw.hub.lastSeq(id) ?? 0) >= 2 * i, { what: `change ${2 * i}` });
      const c = await WsProbe.open(gw.wsUrl);
      c.subscribe([id]);
      clients.push(c);
    }
    await changes;
    const last = marks + 1;
    for (const c of clients) {
      await c.untilSeq(id, last);
      const frames = c.of(id);
      expect(frames[0]?.type).toBe('snapshot');
      const first = frames[0]?.seq ?? 0;
      expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i));
      expect(frames.slice(1).every((f) => f.type === 'campaign_updated')).toBe(true);
      expect(replay(frames)?.data).toEqual(await positionsOf(gw.app, id));
    }
    expect(new Set(clients.map((c) => c.frames[0]?.seq)).size).toBeGreaterThan(5);
    await Promise.all(clients.map((c) => c.close()));
  });
});
