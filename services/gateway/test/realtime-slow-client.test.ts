import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { at, createCampaign, mark, openPosition, positionsOf, totalsIn } from './api.js';
import { replay, WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway, TestRelay } from './realtime-support.js';

const POSITIONS = 100;
// Every mark changes all the positions: each event is ~60 KB, so a paused reader backs up fast.
const MAX_MARKS = 400;

describe('a client that does not keep up', () => {
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

  async function bigCampaign(gw: RealtimeGateway) {
    const symbol = `WS${randomUUID().slice(0, 8).toUpperCase()}`;
    const { id } = await createCampaign(gw.app, { symbol });
    await relay.around([id], async () => {
      for (let i = 0; i < POSITIONS; i++) {
        await openPosition(gw.app, id, {
          pattern_type: 'SPRING',
          entry_price: '1.2500',
          shares: `${1000 + i}`,
          stop_loss: '1.2450',
          entry_date: at('09:00'),
        });
      }
    });
    let n = 0;
    const markOnce = async () => {
      n++;
      const ts = new Date(Date.parse(at('10:00')) + n * 1000).toISOString();
      await relay.around([id], () => mark(gw.orm, symbol, `1.${String(2500 + n).padStart(4, '0')}`, ts));
    };
    return { id, markOnce, marks: () => n };
  }

  it('receives conflated updates, in seq order, whose last state is the REST state', async () => {
    const gw = await startRealtimeGateway({ maxBufferedBytes: 262_144, slowClientDeadlineMs: 120_000, pingIntervalMs: 120_000 });
    cleanups.push(() => gw.close());
    const { id, markOnce, marks } = await bigCampaign(gw);
    const slow = await WsProbe.open(gw.wsUrl);
    const fast = await WsProbe.open(gw.wsUrl);
    cleanups.push(
      () => slow.close(),
      () => fast.close(),
    );
    for (const c of [slow, fast]) c.subscribe([id]);
    await slow.untilSeq(id, POSITIONS);
    await fast.untilSeq(id, POSITIONS);
    slow.pause();
    // Marks until the slow client's updates have been merged a few times.
    while ((gw.app.realtime?.stats().merged ?? 0) < 5) {
      expect(marks()).toBeLessThan(MAX_MARKS);
      await markOnce();
    }
    await markOnce();
    const last = POSITIONS + marks();
    await fast.untilSeq(id, last);
    slow.resume();
    await slow.untilSeq(id, last, 60_000);

    const rest = await positionsOf(gw.app, id);
    const frames = slow.of(id);
    const seqs = frames.map((f) => f.seq ?? 0);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0))).toBe(true);
    expect(frames.length).toBeLessThan(marks() + 1);
    expect(frames.at(-1)?.totals).toEqual(totalsIn(rest));
    expect(frames.at(-1)?.totals).toMatchObject({ as_of: rest.as_of, open_positions_count: POSITIONS });
    expect(replay(frames)?.data).toEqual(rest);
    expect(fast.of(id).map((f) => f.seq)).toEqual(Array.from({ length: marks() + 1 }, (_, i) => POSITIONS + i));
  });

  it('is closed with 4008 "too slow" once it is stuck past the deadline; the others carry on', async () => {
    const gw = await startRealtimeGateway({ maxBufferedBytes: 16_384, slowClientDeadlineMs: 300, pingIntervalMs: 120_000 });
    cleanups.push(() => gw.close());
    const { id, markOnce, marks } = await bigCampaign(gw);
    const slow = await WsProbe.open(gw.wsUrl);
    const fast = await WsProbe.open(gw.wsUrl);
    cleanups.push(() => fast.close());
    for (const c of [slow, fast]) c.subscribe([id]);
    await slow.untilSeq(id, POSITIONS);
    slow.pause();
    while ((gw.app.realtime?.stats().slowClosed ?? 0) === 0) {
      expect(marks()).toBeLessThan(MAX_MARKS);
      await markOnce();
    }
    slow.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'too slow' });
    const seqs = slow.of(id).map((f) => f.seq ?? 0);
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0))).toBe(true);

    await markOnce();
    await fast.untilSeq(id, POSITIONS + marks());
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    expect(fast.of(id).at(-1)?.totals).toEqual(totalsIn(await positionsOf(gw.app, id)));
  });
});
