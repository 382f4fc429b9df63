import { type Exposition, forbiddenLabelValues, parseExposition, sampleSum, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, createCampaign, get, openPosition } from './api.js';
import { WsProbe } from './realtime-probe.js';
import { type RealtimeGateway, startRealtimeGateway, TestRelay } from './realtime-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/** `GET /metrics` with no key at all, parsed. */
async function scrape(app: Gateway['app']): Promise<Exposition> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: '' } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.body);
}

describe('GET /metrics on the gateway (section 11)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => gw.close());

  it('answers without a key, with requests by route pattern and status, and the pool', async () => {
    const symbol = uniqueSymbol('MET');
    const c = await createCampaign(gw.app, { symbol });
    await openPosition(gw.app, c.id, { pattern_type: 'SPRING', entry_price: '10', shares: '1', stop_loss: '9', entry_date: at('09:00') });
    expect((await get(gw.app, '/api/v1/campaigns')).statusCode).toBe(200);
    expect((await get(gw.app, `/api/v1/campaigns/${c.id}`)).statusCode).toBe(200);
    expect((await get(gw.app, `/api/v1/campaigns/${c.id}`, { authorization: '' })).statusCode).toBe(401);

    const m = await scrape(gw.app);
    const requests = (route: string, method: string, status: string) => sampleSum(m, 'cpt_http_requests_total', { route, method, status });
    expect(requests('/api/v1/campaigns', 'GET', '200')).toBeGreaterThanOrEqual(1);
    expect(requests('/api/v1/campaigns', 'POST', '201')).toBeGreaterThanOrEqual(1);
    expect(requests('/api/v1/campaigns/:id', 'GET', '200')).toBeGreaterThanOrEqual(1);
    expect(requests('/api/v1/campaigns/:id', 'GET', '401')).toBeGreaterThanOrEqual(1);
    expect(requests('/api/v1/campaigns/:id/positions', 'POST', '201')).toBeGreaterThanOrEqual(1);
    expect(
      sampleSum(m, 'cpt_http_request_duration_seconds_count', { route: '/api/v1/campaigns', method: 'GET', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(m.samples.every((s) => s.labels.service === 'gateway')).toBe(true);

    // The pool of the test gateway (poolMax 25): every connection is used, free or not yet opened.
    expect(sampleSum(m, 'cpt_db_pool_max')).toBe(25);
    const pool = (state: string) => sampleSum(m, 'cpt_db_pool_connections', { state });
    const [used, free, pending] = [pool('used'), pool('free'), pool('pending')];
    expect(used + free).toBeGreaterThanOrEqual(1);
    expect(used + free).toBeLessThanOrEqual(25);
    expect(pending).toBe(0);
    // The event-loop delay, among the default metrics.
    expect(m.types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');

    expect(forbiddenLabelValues(m, [gw.key.key, gw.key.keyId, gw.key.accountId, c.id, symbol])).toEqual([]);
  });

  it('labels a path nothing serves as unmatched, whatever the URL holds', async () => {
    const secret = `cpt_${'Q'.repeat(43)}`;
    await get(gw.app, `/api/v1/nothing/${gw.key.accountId}?access_token=${secret}`);
    const m = await scrape(gw.app);
    expect(sampleSum(m, 'cpt_http_requests_total', { route: 'unmatched', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(forbiddenLabelValues(m, [secret, gw.key.accountId])).toEqual([]);
  });

  it('is not in the OpenAPI document', async () => {
    expect(Object.keys((await get(gw.app, '/openapi.json')).json().paths)).not.toContain('/metrics');
  });
});

describe('the WebSocket metrics', () => {
  let gw: RealtimeGateway;
  let relay: TestRelay;
  beforeAll(async () => {
    [gw, relay] = await Promise.all([startRealtimeGateway(), TestRelay.open()]);
  });
  afterAll(async () => {
    await relay.close();
    await gw.close();
  });

  it('count connections, subscriptions, frames sent and events received, and keep the totals after a close', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol('MWS') });
    const before = await scrape(gw.app);
    const sentBefore = sampleSum(before, 'cpt_ws_messages_sent_total');
    const deliveredBefore = sampleSum(before, 'cpt_campaign_events_received_total', { outcome: 'delivered' });

    const ws = await WsProbe.open(gw.wsUrl);
    ws.subscribe([c.id]);
    await ws.next((f) => f.type === 'snapshot', 'the snapshot');
    await relay.around([c.id], () =>
      openPosition(gw.app, c.id, { pattern_type: 'SPRING', entry_price: '10', shares: '1', stop_loss: '9', entry_date: at('09:00') }),
    );
    await ws.next((f) => f.type === 'campaign_updated', 'the update');

    const open = await scrape(gw.app);
    expect(sampleSum(open, 'cpt_ws_connections')).toBe(1);
    expect(sampleSum(open, 'cpt_ws_subscriptions')).toBe(1);
    expect(sampleSum(open, 'cpt_ws_messages_sent_total')).toBeGreaterThanOrEqual(sentBefore + 2);
    expect(sampleSum(open, 'cpt_campaign_events_received_total', { outcome: 'delivered' })).toBeGreaterThanOrEqual(deliveredBefore + 1);
    expect(open.types.get('cpt_ws_updates_conflated_total')).toBe('counter');
    expect(open.types.get('cpt_ws_disconnects_total')).toBe('counter');
    expect(forbiddenLabelValues(open, [gw.key.key, gw.key.accountId, c.id])).toEqual([]);

    await ws.close();
    await waitFor(async () => sampleSum(await scrape(gw.app), 'cpt_ws_connections') === 0, { what: 'the connection to be gone' });
    const closed = await scrape(gw.app);
    expect(sampleSum(closed, 'cpt_ws_subscriptions')).toBe(0);
    expect(sampleSum(closed, 'cpt_ws_messages_sent_total')).toBe(sampleSum(open, 'cpt_ws_messages_sent_total'));
  });
});
