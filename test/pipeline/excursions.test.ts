import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import { type RunningService, startService } from '../support/services.js';

type Position = Record<string, string | null>;
type Positions = { positions: Position[] };

/**
 * Section 9 end to end: four ticks posted in one request to price-ingest travel through Kafka to
 * the position service, and every one of them moves the excursions the gateway shows, though only
 * the newest becomes the mark.
 */
describe('excursions through price-ingest, Kafka and the position service', () => {
  const group = `e2e-excursions-${Date.now()}`;
  let services: RunningService[] = [];
  let gw: ReturnType<typeof client>;
  let ingest: ReturnType<typeof client>;

  beforeAll(async () => {
    services = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: group, CONSUMER_START: 'latest' }),
    ]);
    const [g, i] = services as [RunningService, RunningService, RunningService];
    gw = client(g.url);
    ingest = client(i.url);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  const ticks = async (symbol: string, list: [string, string][]) => {
    const r = await ingest.post(
      '/api/v1/ticks',
      list.map(([price, ts]) => ({ symbol, price, ts, source: 'e2e' })),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body).toEqual({ accepted: list.length });
  };
  /** Waits until the position satisfies `done`, and returns it. */
  const positionWhen = (campaignId: string, positionId: string, what: string, done: (p: Position) => boolean) =>
    waitFor(
      async () => {
        const r = await gw.get<Positions>(`/api/v1/campaigns/${campaignId}/positions`);
        const p = r.body.positions.find((x) => x.id === positionId);
        return p && done(p) ? p : undefined;
      },
      { timeoutMs: 20_000, what },
    );
  const FIELDS = ['max_favorable_price', 'max_adverse_price', 'mfe_r', 'mae_r', 'current_price', 'current_pnl', 'marked_at'] as const;
  const figures = (p: Position) => Object.fromEntries(FIELDS.map((k) => [k, p[k]]));

  it('LONG 100.00 stop 98.00: ticks 101, 104, 99, 103 in one request; a late tick; a tick before the entry; the close', async () => {
    const symbol = uniqueSymbol('EXC');
    const id = await createCampaign(gw, symbol);
    const p = await openPosition(gw, id, {
      pattern_type: 'SPRING',
      entry_price: '100.00',
      shares: '10',
      stop_loss: '98.00',
      entry_date: '2026-11-25T09:00:00Z',
    });
    // A second position of the symbol, to tell when ticks that must not move the first have been processed.
    const sentinel = await openPosition(gw, id, {
      pattern_type: 'SOS',
      entry_price: '100.00',
      shares: '1',
      stop_loss: '98.00',
      entry_date: '2026-11-25T09:00:00Z',
    });

    await ticks(symbol, [
      ['101.00', '2026-11-25T09:01:00Z'],
      ['104.00', '2026-11-25T09:02:00Z'],
      ['99.00', '2026-11-25T09:03:00Z'],
      ['103.00', '2026-11-25T09:04:00Z'],
    ]);
    let v = await positionWhen(id, p.id as string, 'the four ticks', (x) => x.marked_at === '2026-11-25T09:04:00.000Z');
    // |104 − 100| / 2 = 2, |99 − 100| / 2 = 0.5; the mark is the newest: (103 − 100) × 10 = 30.
    expect(figures(v)).toEqual({
      max_favorable_price: '104.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '2.00000000',
      mae_r: '0.50000000',
      current_price: '103.00000000',
      current_pnl: '30.00000000',
      marked_at: '2026-11-25T09:04:00.000Z',
    });

    // A late tick, older than the mark and after the entry: the favorable price moves, the mark does not.
    await ticks(symbol, [['105.00', '2026-11-25T09:02:30Z']]);
    v = await positionWhen(id, p.id as string, 'the late tick', (x) => x.max_favorable_price === '105.00000000');
    expect(figures(v)).toEqual({
      max_favorable_price: '105.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      current_price: '103.00000000',
      current_pnl: '30.00000000',
      marked_at: '2026-11-25T09:04:00.000Z',
    });

    // Ticks before the entry move nothing; a newer tick at the mark's price shows they were processed.
    await ticks(symbol, [
      ['1.00', '2026-11-25T08:59:00Z'],
      ['500.00', '2026-11-25T08:59:59Z'],
    ]);
    await ticks(symbol, [['103.00', '2026-11-25T09:05:00Z']]);
    v = await positionWhen(id, p.id as string, 'the tick after the early ones', (x) => x.marked_at === '2026-11-25T09:05:00.000Z');
    expect(figures(v)).toEqual({
      max_favorable_price: '105.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      current_price: '103.00000000',
      current_pnl: '30.00000000',
      marked_at: '2026-11-25T09:05:00.000Z',
    });

    // The close freezes the figures: later ticks, either way, move the sentinel only.
    const closed = await gw.post<Position>(`/api/v1/positions/${p.id}/close`, {
      exit_price: '104.00',
      closed_date: '2026-11-25T09:06:00Z',
    });
    expect(closed.status).toBe(200);
    const frozen = {
      max_favorable_price: '105.00000000',
      max_adverse_price: '99.00000000',
      mfe_r: '2.50000000',
      mae_r: '0.50000000',
      current_price: '104.00000000',
      current_pnl: '40.00000000',
      marked_at: '2026-11-25T09:05:00.000Z',
    };
    expect(figures(closed.body)).toEqual(frozen);
    await ticks(symbol, [
      ['1.00', '2026-11-25T09:07:00Z'],
      ['900.00', '2026-11-25T09:08:00Z'],
    ]);
    await positionWhen(id, sentinel.id as string, 'the sentinel', (x) => x.marked_at === '2026-11-25T09:08:00.000Z');
    const after = (await gw.get<Positions>(`/api/v1/campaigns/${id}/positions`)).body.positions.find((x) => x.id === p.id);
    expect(after).toMatchObject({ status: 'CLOSED', ...frozen });
  });
});
