import { randomUUID } from 'node:crypto';
import { waitFor } from '@cpt/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';

// The compose stack as a user meets it: through the ports it publishes, with a key made inside the
// stack. deploy/compose/compose-test.sh (make compose-test) starts it and sets these; without them
// (any other vitest run) the suite is skipped.
const gateway = process.env.COMPOSE_GATEWAY_URL;
const ingest = process.env.COMPOSE_INGEST_URL;
const position = process.env.COMPOSE_POSITION_URL;
const key = process.env.COMPOSE_API_KEY ?? '';

type Json = Record<string, unknown>;
type Frame = Json & { type: string; campaign_id?: string; reason?: string; totals?: Json };

async function call(base: string, method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = auth ? { authorization: `Bearer ${key}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : {}) as Json };
}

describe.skipIf(!gateway || !ingest || !position)('the compose stack through its published ports', () => {
  const sockets: WebSocket[] = [];
  afterAll(() => {
    for (const ws of sockets) ws.close();
  });

  it('all three services are live and ready (PostgreSQL and Kafka up)', async () => {
    for (const base of [gateway, ingest, position] as string[]) {
      expect((await call(base, 'GET', '/health/live', undefined, false)).status).toBe(200);
      const ready = await call(base, 'GET', '/health/ready', undefined, false);
      expect(ready.status, `${base}: ${JSON.stringify(ready.body)}`).toBe(200);
      expect(Object.values(ready.body.checks as Json).every((c) => c === 'up')).toBe(true);
    }
  });

  it('refuses a request without a key, and the key made inside the stack opens the API', async () => {
    expect((await call(gateway as string, 'GET', '/api/v1/campaigns', undefined, false)).status).toBe(401);
    expect(
      (await call(ingest as string, 'POST', '/api/v1/ticks', { symbol: 'X', price: '1', ts: new Date().toISOString() }, false)).status,
    ).toBe(401);
    expect((await call(gateway as string, 'GET', '/api/v1/campaigns')).status).toBe(200);
  });

  it('ticks posted to price-ingest mark a campaign made at the gateway: the totals over REST and the WebSocket', async () => {
    const gw = gateway as string;
    const symbol = `C${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;
    const created = await call(gw, 'POST', '/api/v1/campaigns', { name: `${symbol} campaign`, symbol, timeframe: '1h', side: 'LONG' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    for (const p of [
      { pattern_type: 'SPRING', entry_price: '1.2500', shares: '8000', stop_loss: '1.2450', entry_date: '2026-11-25T09:00:00Z' },
      { pattern_type: 'SOS', entry_price: '1.2550', shares: '6000', stop_loss: '1.2500', entry_date: '2026-11-25T09:30:00Z' },
    ]) {
      const opened = await call(gw, 'POST', `/api/v1/campaigns/${id}/positions`, p);
      expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    }

    const frames: Frame[] = [];
    const ws = new WebSocket(`${gw.replace(/^http/, 'ws')}/api/v1/ws`, { headers: { authorization: `Bearer ${key}` } });
    sockets.push(ws);
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'subscribe', campaign_ids: [id] }));
    await waitFor(() => frames.find((f) => f.type === 'snapshot' && f.campaign_id === id), { timeoutMs: 10_000, what: 'the snapshot' });

    const tick = await call(ingest as string, 'POST', '/api/v1/ticks', {
      symbol,
      price: '1.2575',
      ts: '2026-11-25T10:00:00Z',
      source: 'compose',
    });
    expect(tick).toEqual({ status: 202, body: { accepted: 1 } });

    const totals = { total_shares: '14000.00000000', weighted_avg_entry: '1.25214286', unrealized_pnl: '75.00000000' };
    const rest = await waitFor(
      async () => {
        const r = await call(gw, 'GET', `/api/v1/campaigns/${id}/positions`);
        return r.body.as_of === '2026-11-25T10:00:00.000Z' ? r.body : undefined;
      },
      { timeoutMs: 30_000, what: 'the mark over REST' },
    );
    expect(rest).toMatchObject(totals);
    expect((rest.positions as Json[]).map((p) => [p.pattern_type, p.current_price, p.current_pnl])).toEqual([
      ['SPRING', '1.25750000', '60.00000000'],
      ['SOS', '1.25750000', '15.00000000'],
    ]);
    const marked = await waitFor(() => frames.find((f) => f.type === 'campaign_updated' && f.reason === 'marked'), {
      timeoutMs: 30_000,
      what: 'the marked update over the WebSocket',
    });
    expect(marked.totals).toMatchObject(totals);
  });
});
