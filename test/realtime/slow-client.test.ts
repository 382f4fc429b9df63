import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import type { RunningService } from '../support/services.js';
import { type RealtimeStack, startRealtimeStack } from './stack.js';
import { increasing, replay, WsProbe } from './ws-probe.js';

// Every mark changes every position, so each event is ~120 KB and a paused reader backs up fast.
const POSITIONS = 200;
const MAX_TICKS = 1000;

describe('a client that does not keep up, through real processes', () => {
  let stack: RealtimeStack;
  let lenient: RunningService;
  let strict: RunningService;
  beforeAll(async () => {
    stack = await startRealtimeStack([
      // A bound above one event: a client that reads on never counts as behind.
      { WS_MAX_BUFFERED_BYTES: '524288', WS_SLOW_CLIENT_DEADLINE_MS: '120000', WS_PING_INTERVAL_MS: '120000' },
      { WS_MAX_BUFFERED_BYTES: '16384', WS_SLOW_CLIENT_DEADLINE_MS: '500', WS_PING_INTERVAL_MS: '120000' },
    ]);
    [lenient, strict] = stack.gateways as [RunningService, RunningService];
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function bigCampaign() {
    const symbol = uniqueSymbol('SLOW');
    const id = await createCampaign(stack.rest, symbol);
    for (let i = 0; i < POSITIONS; i++) {
      await openPosition(stack.rest, id, {
        pattern_type: 'SPRING',
        entry_price: '1.2500',
        shares: `${1000 + i}`,
        stop_loss: '1.2450',
        entry_date: '2026-11-25T09:00:00Z',
      });
    }
    let n = 0;
    const tick = async () => {
      n++;
      expect(n).toBeLessThan(MAX_TICKS);
      const ts = new Date(Date.parse('2026-11-25T10:00:00Z') + n * 1000).toISOString();
      await stack.ticks([{ symbol, price: `1.${String(2500 + (n % 5000)).padStart(4, '0')}`, ts }]);
      return ts;
    };
    return { id, tick };
  }

  /** The REST view once the mark of the tick at `ts` is committed. */
  const markedAt = (id: string, ts: string) =>
    waitFor(
      async () => {
        const body = (await stack.rest.get(`/api/v1/campaigns/${id}/positions`)).body;
        return body.as_of === ts ? body : undefined;
      },
      { timeoutMs: 60_000, what: `the mark at ${ts}` },
    );
  const asOf = (f: Record<string, unknown>) => (f.totals as { as_of?: string } | undefined)?.as_of;
  const logged = (gw: RunningService, msg: string) => gw.logs.some((l) => l.msg === msg);

  it('receives conflated updates in seq order whose last state is the REST state', async () => {
    const { id, tick } = await bigCampaign();
    const slow = await WsProbe.open(lenient.url);
    const fast = await WsProbe.open(lenient.url);
    for (const c of [slow, fast]) c.subscribe([id]);
    await Promise.all([slow.untilSeq(id, POSITIONS), fast.untilSeq(id, POSITIONS)]);
    slow.pause();
    // One tick at a time, each one marked before the next, until the loopback buffers are full
    // and the gateway merges; then a few more to merge.
    const markOnce = async () => {
      const ts = await tick();
      await fast.next((f) => asOf(f) === ts, `the mark at ${ts}`);
      return ts;
    };
    while (!logged(lenient, 'client fell behind; conflating its updates')) await markOnce();
    for (let i = 0; i < 5; i++) await markOnce();
    const rest = await markedAt(id, await markOnce());
    await fast.next((f) => asOf(f) === rest.as_of, 'the last mark on the fast client', 60_000);
    const last = fast.of(id).at(-1)?.seq ?? 0;
    slow.resume();
    await slow.untilSeq(id, last, 60_000);

    const frames = slow.of(id);
    expect(increasing(frames)).toBe(true);
    expect(frames.length).toBeLessThan(fast.of(id).length);
    expect(frames.at(-1)?.totals).toEqual(fast.of(id).at(-1)?.totals);
    expect(frames.at(-1)?.totals).toMatchObject({
      as_of: rest.as_of,
      unrealized_pnl: rest.unrealized_pnl,
      total_shares: rest.total_shares,
    });
    expect(replay(frames)?.data).toEqual(rest);
    expect(fast.of(id).map((f) => f.seq)).toEqual(Array.from({ length: last - POSITIONS + 1 }, (_, i) => POSITIONS + i));
    await Promise.all([slow.close(), fast.close()]);
    // 200 positions opened one by one, then ticks one at a time until the loopback buffers hold
    // several MB: 15 s alone, past 60 s once beside the rest of the suite.
  }, 120_000);

  it('is closed with 4008 "too slow" when stuck past the deadline, and the other clients carry on', async () => {
    const { id, tick } = await bigCampaign();
    const slow = await WsProbe.open(strict.url);
    const fast = await WsProbe.open(strict.url);
    for (const c of [slow, fast]) c.subscribe([id]);
    await Promise.all([slow.untilSeq(id, POSITIONS), fast.untilSeq(id, POSITIONS)]);
    slow.pause();
    while (!logged(strict, 'closing a client that does not read its updates')) {
      const ts = await tick();
      await fast.next((f) => asOf(f) === ts, `the mark at ${ts}`);
    }
    slow.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: 'too slow' });
    expect(increasing(slow.of(id))).toBe(true);

    const rest = await markedAt(id, await tick());
    await fast.next((f) => asOf(f) === rest.as_of, 'the last mark on the fast client');
    expect(increasing(fast.of(id))).toBe(true);
    expect(replay(fast.of(id))?.data).toEqual(rest);
    await fast.close();
  });
});
