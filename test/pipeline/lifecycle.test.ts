import { TOPICS } from '@cpt/messaging';
import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import { collect, headerOf, testKafka } from '../support/kafka.js';
import { type RunningService, startService } from '../support/services.js';

type Positions = { as_of: string | null; positions: Record<string, string | null>[] } & Record<string, unknown>;

describe('the story lifecycles driven through HTTP and Kafka', () => {
  const group = `e2e-lifecycle-${Date.now()}`;
  const kafka = testKafka();
  let services: RunningService[] = [];
  let gw: ReturnType<typeof client>;
  let ingest: ReturnType<typeof client>;
  let position: RunningService;

  beforeAll(async () => {
    services = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: group, CONSUMER_START: 'latest' }),
    ]);
    const [g, i, p] = services as [RunningService, RunningService, RunningService];
    gw = client(g.url);
    ingest = client(i.url);
    position = p;
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  const tick = async (symbol: string, price: string, ts: string, requestId?: string) => {
    const r = await ingest.post('/api/v1/ticks', { symbol, price, ts, source: 'e2e' }, requestId ? { 'x-request-id': requestId } : {});
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ accepted: 1 });
  };
  const positionsAsOf = (campaignId: string, asOf: string) =>
    waitFor(
      async () => {
        const r = await gw.get<Positions>(`/api/v1/campaigns/${campaignId}/positions`);
        return r.body.as_of === asOf ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: `marks as of ${asOf}` },
    );

  it('GBPUSD: marks from ticks, a close, a new entry, and monotonic marks', async () => {
    const symbol = uniqueSymbol('GBP');
    const events = await collect(kafka, TOPICS.campaignEvents);
    const id = await createCampaign(gw, symbol);
    const spring = await openPosition(gw, id, {
      pattern_type: 'SPRING',
      entry_price: '1.2500',
      shares: '8000',
      stop_loss: '1.2450',
      entry_date: '2026-11-25T09:00:00Z',
    });
    const sos = await openPosition(gw, id, {
      pattern_type: 'SOS',
      entry_price: '1.2550',
      shares: '6000',
      stop_loss: '1.2500',
      entry_date: '2026-11-25T09:30:00Z',
    });

    const requestId = `e2e-${symbol}`;
    await tick(symbol.toLowerCase(), '1.2575', '2026-11-25T10:00:00Z', requestId);
    let v = await positionsAsOf(id, '2026-11-25T10:00:00.000Z');
    expect(v.positions.map((p) => [p.pattern_type, p.current_price, p.current_pnl])).toEqual([
      ['SPRING', '1.25750000', '60.00000000'],
      ['SOS', '1.25750000', '15.00000000'],
    ]);
    expect(v).toMatchObject({
      total_shares: '14000.00000000',
      weighted_avg_entry: '1.25214286',
      unrealized_pnl: '75.00000000',
      version: 3,
    });

    const closed = await gw.post(`/api/v1/positions/${spring.id}/close`, { exit_price: '1.2625', closed_date: '2026-11-25T10:30:00Z' });
    expect(closed.body).toMatchObject({ status: 'CLOSED', realized_pnl: '100.00000000', current_pnl: '100.00000000' });
    await openPosition(gw, id, {
      pattern_type: 'LPS',
      entry_price: '1.2600',
      shares: '4000',
      stop_loss: '1.2550',
      entry_date: '2026-11-25T10:45:00Z',
    });

    await tick(symbol, '1.2595', '2026-11-25T11:00:00Z');
    v = await positionsAsOf(id, '2026-11-25T11:00:00.000Z');
    expect(v).toMatchObject({
      total_shares: '10000.00000000',
      weighted_avg_entry: '1.25700000',
      total_risk: '50.00000000',
      unrealized_pnl: '25.00000000',
      realized_pnl: '100.00000000',
      total_pnl: '125.00000000',
      open_positions_count: 2,
      closed_positions_count: 1,
      version: 5,
    });
    expect(v.positions.map((p) => [p.pattern_type, p.current_pnl])).toEqual([
      ['SPRING', '100.00000000'],
      ['SOS', '27.00000000'],
      ['LPS', '-2.00000000'],
    ]);

    // Late, duplicate and pre-entry ticks change no mark (section 6); the late 2.0000 and the 3.0000
    // at the marked instant still move the excursions of the positions entered before them (section 9).
    const late = await openPosition(gw, id, {
      pattern_type: 'LPS',
      entry_price: '1.2600',
      shares: '1000',
      stop_loss: '1.2550',
      entry_date: '2026-11-25T12:00:00Z',
    });
    await tick(symbol, '2.0000', '2026-11-25T10:59:59Z');
    await tick(symbol, '3.0000', '2026-11-25T11:00:00Z');
    await tick(symbol, '1.3000', '2026-11-25T11:30:00Z');
    // Ticks of one symbol are consumed in order: once 11:30 is applied, the late and duplicate
    // ticks before it have been processed too.
    v = await positionsAsOf(id, '2026-11-25T11:30:00.000Z');
    const after = (await gw.get<Positions>(`/api/v1/campaigns/${id}/positions`)).body;
    expect(after.positions.find((p) => p.id === sos.id)).toMatchObject({ current_price: '1.30000000', current_pnl: '270.00000000' });
    expect(after.positions.find((p) => p.id === late.id)).toMatchObject({
      current_price: '1.26000000',
      current_pnl: '0.00000000',
      marked_at: null,
    });
    // [favorable, adverse, MFE R, MAE R]: R over 0.005 to each initial stop; the closed Spring's are frozen.
    expect(after.positions.map((p) => [p.pattern_type, p.max_favorable_price, p.max_adverse_price, p.mfe_r, p.mae_r])).toEqual([
      ['SPRING', '1.25750000', '1.25000000', '1.50000000', '0.00000000'],
      ['SOS', '3.00000000', '1.25500000', '349.00000000', '0.00000000'],
      ['LPS', '3.00000000', '1.25950000', '348.00000000', '0.10000000'],
      ['LPS', '1.26000000', '1.26000000', '0.00000000', '0.00000000'],
    ]);

    // The request id travels from the ingest request to the position service's log and the event's header.
    expect(position.logs.some((l) => Array.isArray(l.requestIds) && (l.requestIds as string[]).includes(requestId))).toBe(true);
    const marked = await waitFor(() => events.messages.find((m) => m.key?.toString() === id && headerOf(m, 'x-request-id') === requestId), {
      timeoutMs: 20_000,
      what: 'the marked event with the request id',
    });
    expect(JSON.parse(marked.value?.toString() ?? '{}')).toMatchObject({
      type: 'campaign_updated',
      campaign_id: id,
      seq: 3,
      reason: 'marked',
    });
    await events.stop();
  });

  it('AAPL: from the Spring to the closed campaign', async () => {
    const symbol = uniqueSymbol('AAPL');
    const id = await createCampaign(gw, symbol);
    const spring = await openPosition(gw, id, {
      pattern_type: 'SPRING',
      entry_price: '150.00',
      shares: '100',
      stop_loss: '148.00',
      entry_date: '2026-11-25T09:00:00Z',
    });
    const sos = await openPosition(gw, id, {
      pattern_type: 'SOS',
      entry_price: '152.00',
      shares: '75',
      stop_loss: '149.50',
      entry_date: '2026-11-25T09:30:00Z',
    });
    await tick(symbol, '155.00', '2026-11-25T10:00:00Z');
    let v = await positionsAsOf(id, '2026-11-25T10:00:00.000Z');
    expect(v).toMatchObject({ weighted_avg_entry: '150.85714286', unrealized_pnl: '725.00000000', total_risk: '387.50000000' });
    expect((await gw.post(`/api/v1/positions/${spring.id}/close`, { exit_price: '158.00' })).body).toMatchObject({
      realized_pnl: '800.00000000',
    });
    const lps = await openPosition(gw, id, {
      pattern_type: 'LPS',
      entry_price: '153.00',
      shares: '80',
      stop_loss: '151.00',
      entry_date: '2026-11-25T10:30:00Z',
    });
    await tick(symbol, '156.00', '2026-11-25T11:00:00Z');
    v = await positionsAsOf(id, '2026-11-25T11:00:00.000Z');
    expect(v).toMatchObject({ unrealized_pnl: '540.00000000', realized_pnl: '800.00000000', total_pnl: '1340.00000000' });
    await gw.post(`/api/v1/positions/${sos.id}/close`, { exit_price: '156.00' });
    await gw.post(`/api/v1/positions/${lps.id}/close`, { exit_price: '154.50' });
    const final = (await gw.get<Positions>(`/api/v1/campaigns/${id}/positions`)).body;
    expect(final).toMatchObject({
      total_shares: '0.00000000',
      unrealized_pnl: '0.00000000',
      realized_pnl: '1220.00000000',
      total_pnl: '1220.00000000',
      closed_positions_count: 3,
    });
    expect(final.positions).toHaveLength(3);
    const closedCampaign = await gw.post(`/api/v1/campaigns/${id}/close`, undefined, { 'if-match': '"7"' });
    expect(closedCampaign.status).toBe(200);
    expect(closedCampaign.body).toMatchObject({ status: 'CLOSED', version: 8 });
  });
});
