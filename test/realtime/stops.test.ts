import { randomUUID } from 'node:crypto';
import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import type { RunningService } from '../support/services.js';
import { type RealtimeStack, startRealtimeStack } from './stack.js';
import { type Frame, increasing, replay, WsProbe } from './ws-probe.js';

type Position = Record<string, unknown> & { id: string };
const positionsOf = (f: Frame) => (f.changed_positions ?? []) as Position[];
const at = (minute: number) => `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z`;

/**
 * Stops that act (section 8) through the real processes: ticks posted to price-ingest, marked by
 * the position service, seen by a WebSocket subscriber of the gateway.
 */
describe('stops that act through real processes', () => {
  let stack: RealtimeStack;
  let gateway: RunningService;
  beforeAll(async () => {
    stack = await startRealtimeStack();
    gateway = stack.gateways[0] as RunningService;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a subscriber sees the breach in a compact marked update, then the automatic exit as position_closed, in seq order', async () => {
    const symbol = uniqueSymbol('ST');
    const id = await createCampaign(stack.rest, symbol);
    const entry = { pattern_type: 'SPRING', entry_price: '100', shares: '10', entry_date: '2026-11-25T09:00:00Z' };
    const first = await openPosition(stack.rest, id, { ...entry, stop_loss: '95' });
    const second = await openPosition(stack.rest, id, { ...entry, stop_loss: '90' });
    const ws = await WsProbe.open(gateway.url);
    ws.subscribe([id]);
    await ws.untilSeq(id, 2);
    const ingest = client(stack.ingest.url);
    const post = async (requestId: string, ticks: [string, number][]) => {
      const r = await ingest.post(
        '/api/v1/ticks',
        ticks.map(([price, minute]) => ({ symbol, price, ts: at(minute), source: 'e2e-stops' })),
        { 'x-request-id': requestId },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(202);
    };
    const newest = () => ws.of(id).at(-1) as Frame;

    // Through the first stop and back: breached at the dip (however the consumer cuts the batch).
    await post(randomUUID(), [
      ['97', 1],
      ['94.5', 2],
      ['96', 3],
    ]);
    await waitFor(() => positionsOf(newest()).some((p) => p.id === first.id && p.current_price === '96.00000000'), {
      timeoutMs: 30_000,
      what: 'the mark of 96',
    });
    const breach = ws.of(id).find((f) => positionsOf(f).some((p) => p.id === first.id && p.stop_breached_at !== null));
    expect(breach).toMatchObject({ type: 'campaign_updated', reason: 'marked', version: 3 });
    expect(positionsOf(breach as Frame).find((p) => p.id === first.id)).toMatchObject({
      stop_breached_at: at(2),
      stop_breach_price: '94.50000000',
    });
    // Compact: no field a mark does not change.
    expect(positionsOf(breach as Frame)[0]).not.toHaveProperty('stop_loss');
    expect(newest().totals).toMatchObject({ breached_positions_count: 1, open_positions_count: 2, total_risk: '150.00000000' });

    // The campaign now exits at its stops: the second position goes at the tick through its stop.
    const settings = await stack.rest.patch(`/api/v1/campaigns/${id}`, { auto_exit_on_stop: true });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const exitRequest = randomUUID();
    await post(exitRequest, [
      ['91', 4],
      ['89.5', 5],
      ['92', 6],
    ]);
    const closed = await ws.next((f) => f.reason === 'position_closed', 'the automatic exit', 30_000);
    expect(closed.version).toBe(5);
    const exited = positionsOf(closed).find((p) => p.id === second.id);
    expect(exited).toMatchObject({
      status: 'CLOSED',
      exit_price: '89.50000000',
      closed_date: at(5),
      // (89.50 − 100) × 10
      realized_pnl: '-105.00000000',
      stop_breached_at: at(5),
      stop_breach_price: '89.50000000',
      exits: [{ shares: '10.00000000', price: '89.50000000', date: at(5), fee: '0.00000000', realized_pnl: '-105.00000000' }],
    });
    // Whole positions in that update, the first one too when the same batch marked it.
    for (const p of positionsOf(closed)) expect(p).toHaveProperty('exits');
    // The first position, breached before the campaign exited at stops, stays OPEN and marked.
    await waitFor(() => positionsOf(newest()).some((p) => p.id === first.id && p.current_price === '92.00000000'), {
      timeoutMs: 30_000,
      what: 'the mark of 92',
    });
    const frames = ws.of(id);
    expect(increasing(frames)).toBe(true);
    expect(frames.filter((f) => f.reason === 'position_closed')).toHaveLength(1);
    // Nothing after the exit touches the closed position.
    expect(frames.slice(frames.indexOf(closed) + 1).some((f) => positionsOf(f).some((p) => p.id === second.id))).toBe(false);
    const rest = (await stack.rest.get(`/api/v1/campaigns/${id}/positions`)).body;
    expect(replay(frames)?.data).toEqual(rest);
    expect(rest).toMatchObject({ version: 5, breached_positions_count: 1, open_positions_count: 1, closed_positions_count: 1 });
    const journal = await stack.rest.get<{ items: Record<string, unknown>[] }>(`/api/v1/campaigns/${id}/journal?limit=1`);
    expect(journal.body.items[0]).toMatchObject({
      action: 'stop_exit',
      version: 5,
      position_id: second.id,
      key_id: null,
      key_name: null,
      request_id: exitRequest,
    });
    await ws.close();
  });
});
