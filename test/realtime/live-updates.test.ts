import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import type { RunningService } from '../support/services.js';
import { type RealtimeStack, startRealtimeStack } from './stack.js';
import { increasing, replay, WsProbe } from './ws-probe.js';

const totals = (v: Record<string, unknown> | undefined) => v?.totals as Record<string, unknown>;

describe('live campaign updates through real processes', () => {
  let stack: RealtimeStack;
  let gwA: RunningService;
  let gwB: RunningService;
  beforeAll(async () => {
    // The second gateway keeps only two events per campaign, so that a resume there needs a snapshot.
    stack = await startRealtimeStack([{}, { WS_BUFFER_EVENTS: '2' }]);
    [gwA, gwB] = stack.gateways as [RunningService, RunningService];
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('two gateways send the snapshot, then every reason in seq order, byte for byte alike', async () => {
    const symbol = uniqueSymbol('RT');
    const id = await createCampaign(stack.rest, symbol);
    const a = await WsProbe.open(gwA.url);
    const b = await WsProbe.open(gwB.url);
    for (const c of [a, b]) c.subscribe([id]);
    await Promise.all([a.untilSeq(id, 0), b.untilSeq(id, 0)]);

    let seq = 0;
    const step = async (change: () => Promise<unknown>) => {
      await change();
      seq++;
      await Promise.all([a.untilSeq(id, seq), b.untilSeq(id, seq)]);
    };
    const tick = (price: string, ts: string) => stack.ticks([{ symbol, price, ts }]);
    let spring: Record<string, string> = {};
    let sos: Record<string, string> = {};
    await step(async () => {
      spring = await openPosition(stack.rest, id, {
        pattern_type: 'SPRING',
        entry_price: '1.2500',
        shares: '8000',
        stop_loss: '1.2450',
        entry_date: '2026-11-25T09:00:00Z',
      });
    });
    await step(async () => {
      sos = await openPosition(stack.rest, id, {
        pattern_type: 'SOS',
        entry_price: '1.2550',
        shares: '6000',
        stop_loss: '1.2500',
        entry_date: '2026-11-25T09:30:00Z',
      });
    });
    await step(() => tick('1.2575', '2026-11-25T10:00:00Z'));
    await step(() => stack.rest.patch(`/api/v1/positions/${sos.id}`, { stop_loss: '1.2530' }));
    await step(() =>
      stack.rest.post(`/api/v1/positions/${spring.id}/close`, { exit_price: '1.2625', closed_date: '2026-11-25T10:30:00Z' }),
    );
    await step(() => tick('1.2600', '2026-11-25T11:00:00Z'));
    await step(() => stack.rest.post(`/api/v1/positions/${sos.id}/close`, { exit_price: '1.2610', closed_date: '2026-11-25T11:30:00Z' }));
    await step(() => stack.rest.post(`/api/v1/campaigns/${id}/close`));

    const frames = a.of(id);
    expect(frames.map((f) => [f.type, f.seq, f.reason, f.version])).toEqual([
      ['snapshot', 0, undefined, undefined],
      ['campaign_updated', 1, 'position_opened', 2],
      ['campaign_updated', 2, 'position_opened', 3],
      ['campaign_updated', 3, 'marked', 3],
      ['campaign_updated', 4, 'stop_moved', 4],
      ['campaign_updated', 5, 'position_closed', 5],
      ['campaign_updated', 6, 'marked', 5],
      ['campaign_updated', 7, 'position_closed', 6],
      ['campaign_updated', 8, 'campaign_closed', 7],
    ]);
    expect(b.of(id).map((f) => f.text)).toEqual(frames.map((f) => f.text));
    expect(totals(frames[2])).toMatchObject({
      total_shares: '14000.00000000',
      weighted_avg_entry: '1.25214286',
      total_risk: '70.00000000',
      initial_risk: '70.00000000',
      r_multiple: '0.00000000',
    });
    expect(totals(frames[3])).toMatchObject({
      unrealized_pnl: '75.00000000',
      total_pnl: '75.00000000',
      net_pnl: '75.00000000',
      // 75 / 70 = 1.071428571...
      r_multiple: '1.07142857',
      as_of: '2026-11-25T10:00:00.000Z',
    });
    expect(totals(frames[4])).toMatchObject({ total_risk: '52.00000000', initial_risk: '70.00000000' });
    expect(totals(frames[5])).toMatchObject({ realized_pnl: '100.00000000', unrealized_pnl: '15.00000000', open_positions_count: 1 });
    expect(totals(frames[6])).toMatchObject({ unrealized_pnl: '30.00000000', total_pnl: '130.00000000' });
    expect(totals(frames[8])).toEqual({
      total_shares: '0.00000000',
      weighted_avg_entry: '0.00000000',
      total_risk: '0.00000000',
      unrealized_pnl: '0.00000000',
      realized_pnl: '136.00000000',
      total_pnl: '136.00000000',
      total_fees: '0.00000000',
      net_pnl: '136.00000000',
      initial_risk: '70.00000000',
      // 136 / 70 = 1.942857142...
      r_multiple: '1.94285714',
      open_positions_count: 0,
      closed_positions_count: 2,
      breached_positions_count: 0,
      as_of: '2026-11-25T11:00:00.000Z',
    });
    expect(replay(frames)?.data).toEqual((await stack.rest.get(`/api/v1/campaigns/${id}/positions`)).body);
    await Promise.all([a.close(), b.close()]);
  });

  it('answers a malformed message and an unknown campaign with an error, and the socket stays open', async () => {
    const c = await WsProbe.open(gwA.url);
    const unknown = randomUUID();
    c.send('{"type": "subscribe", "campaign_ids": [');
    c.send({ type: 'subscribe', campaign_ids: ['not-a-uuid'] });
    c.subscribe([unknown]);
    await c.next((f) => f.code === 'not_found', 'the unknown campaign error');
    c.send({ type: 'ping' });
    await c.next((f) => f.type === 'pong', 'pong');
    expect(c.frames.map(({ text: _text, ...f }) => f)).toEqual([
      { type: 'error', code: 'bad_request', message: 'message is not valid JSON' },
      { type: 'error', code: 'validation_failed', message: 'message is not valid: campaign_ids[0]: must be a UUID' },
      { type: 'error', code: 'not_found', message: `campaign ${unknown} not found`, campaign_id: unknown },
      { type: 'pong' },
    ]);
    await c.close();
  });

  it('resumes after a disconnect from the buffer, and by snapshot where the buffer no longer holds the missed updates', async () => {
    const symbol = uniqueSymbol('RT');
    const id = await createCampaign(stack.rest, symbol);
    await openPosition(stack.rest, id, {
      pattern_type: 'SPRING',
      entry_price: '100',
      shares: '10',
      stop_loss: '95',
      entry_date: '2026-11-25T09:00:00Z',
    });
    const watchA = await WsProbe.open(gwA.url);
    const watchB = await WsProbe.open(gwB.url);
    for (const c of [watchA, watchB]) c.subscribe([id]);
    await Promise.all([watchA.untilSeq(id, 1), watchB.untilSeq(id, 1)]);

    // Both clients hold seq 1 and go away; four changes happen; both come back with resume.
    for (let i = 1; i <= 4; i++) {
      await stack.ticks([{ symbol, price: `${100 + i}`, ts: `2026-11-25T10:0${i}:00Z` }]);
      await Promise.all([watchA.untilSeq(id, 1 + i), watchB.untilSeq(id, 1 + i)]);
    }
    const fromBuffer = await WsProbe.open(gwA.url);
    const bySnapshot = await WsProbe.open(gwB.url);
    for (const c of [fromBuffer, bySnapshot]) c.subscribe([id], { [id]: 1 });
    await Promise.all([fromBuffer.untilSeq(id, 5), bySnapshot.untilSeq(id, 5)]);
    // From the buffer: `resumed` with the client's own seq, then the very frames the others got.
    expect(fromBuffer.of(id).map(({ text: _text, ...f }) => f)[0]).toEqual({ type: 'resumed', campaign_id: id, seq: 1 });
    expect(
      fromBuffer
        .of(id)
        .slice(1)
        .map((f) => f.text),
    ).toEqual(
      watchA
        .of(id)
        .slice(-4)
        .map((f) => f.text),
    );
    expect(bySnapshot.of(id).map((f) => [f.type, f.seq])).toEqual([['snapshot', 5]]);
    const rest = (await stack.rest.get(`/api/v1/campaigns/${id}/positions`)).body;
    expect(bySnapshot.of(id)[0]?.data).toEqual(rest);
    expect(rest).toMatchObject({ unrealized_pnl: '40.00000000', as_of: '2026-11-25T10:04:00.000Z' });

    await stack.ticks([{ symbol, price: '105.5', ts: '2026-11-25T10:05:00Z' }]);
    await Promise.all([fromBuffer.untilSeq(id, 6), bySnapshot.untilSeq(id, 6)]);
    for (const c of [fromBuffer, bySnapshot]) {
      expect(increasing(c.of(id))).toBe(true);
      expect(c.of(id).at(-1)?.totals).toMatchObject({ unrealized_pnl: '55.00000000' });
    }
    await Promise.all([watchA, watchB, fromBuffer, bySnapshot].map((c) => c.close()));
  });
});
