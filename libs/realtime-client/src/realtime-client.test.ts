import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { RealtimeClient as BrowserRealtimeClient } from './browser.js';
import { RealtimeClient } from './realtime-client.js';
import type { WebSocketConstructor } from './socket.js';

const CAMPAIGN = '2f6c1c1e-8a55-4b8e-9d43-0b1f1c7a9e10';
const KEY = `cpt_${'k'.repeat(43)}`;
const totals = {
  total_shares: '0.00000000',
  weighted_avg_entry: '0.00000000',
  total_risk: '0.00000000',
  unrealized_pnl: '0.00000000',
  realized_pnl: '0.00000000',
  total_pnl: '0.00000000',
  total_fees: '0.00000000',
  net_pnl: '0.00000000',
  initial_risk: '0.00000000',
  r_multiple: null,
  open_positions_count: 0,
  closed_positions_count: 0,
  breached_positions_count: 0,
  as_of: null,
};

/** A gateway's WebSocket that answers a subscribe with a snapshot, and records how each client presented its key. */
let server: WebSocketServer;
let url: string;
const seen: { authorization: string | undefined; accessToken: string | null }[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/ws`;
  server.on('connection', (socket, req: IncomingMessage) => {
    seen.push({
      authorization: req.headers.authorization,
      accessToken: new URL(req.url ?? '/', 'http://x').searchParams.get('access_token'),
    });
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'subscribe') {
        for (const id of m.campaign_ids) {
          socket.send(
            JSON.stringify({ type: 'snapshot', campaign_id: id, seq: 4, data: { campaign_id: id, version: 2, positions: [], ...totals } }),
          );
        }
      }
      if (m.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    });
  });
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const original = (globalThis as { WebSocket?: unknown }).WebSocket;
afterEach(() => {
  seen.length = 0;
  (globalThis as { WebSocket?: unknown }).WebSocket = original;
});

/** Connects, subscribes to one campaign and resolves with its snapshot's seq. */
async function firstSnapshot(client: {
  connect(): Promise<void>;
  subscribe(ids: string[]): void;
  on: RealtimeClient['on'];
  close(): Promise<void>;
}) {
  const snapshot = new Promise<number>((resolve) => client.on('snapshot', (s) => resolve(s.seq)));
  await client.connect();
  client.subscribe([CAMPAIGN]);
  const seq = await snapshot;
  await client.close();
  return seq;
}

describe('RealtimeClient, one import for Node and browsers', () => {
  it('uses the ws package where the platform has no WebSocket, the key in the Authorization header', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
    expect(await firstSnapshot(new RealtimeClient({ url, apiKey: KEY }))).toBe(4);
    expect(seen).toEqual([{ authorization: `Bearer ${KEY}`, accessToken: null }]);
  });

  it('uses the global WebSocket where there is one (Node 22, Deno, a browser), the key as access_token', async () => {
    const opened: string[] = [];
    // A stand-in for the platform's WHATWG WebSocket: the ws package's, which implements that interface.
    (globalThis as { WebSocket?: unknown }).WebSocket = class extends WebSocket {
      constructor(address: string) {
        super(address);
        opened.push(address);
      }
    };
    expect(await firstSnapshot(new RealtimeClient({ url, apiKey: KEY }))).toBe(4);
    expect(seen).toEqual([{ authorization: undefined, accessToken: KEY }]);
    expect(opened).toHaveLength(1);
    expect(await firstSnapshot(new BrowserRealtimeClient({ url, apiKey: KEY }))).toBe(4);
    expect(seen[1]).toEqual({ authorization: undefined, accessToken: KEY });
  });

  it('takes a WebSocket class as an option, and the ws package when given its options', async () => {
    (globalThis as { WebSocket?: unknown }).WebSocket = undefined;
    expect(() => new BrowserRealtimeClient({ url, apiKey: KEY })).toThrow(/no WebSocket/);
    const Impl = WebSocket as unknown as WebSocketConstructor;
    expect(await firstSnapshot(new BrowserRealtimeClient({ url, apiKey: KEY, WebSocket: Impl }))).toBe(4);
    expect(await firstSnapshot(new RealtimeClient({ url, apiKey: KEY, WebSocket: Impl }))).toBe(4);
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
    expect(await firstSnapshot(new RealtimeClient({ url, apiKey: KEY, wsOptions: { headers: { 'x-request-id': 'r1' } } }))).toBe(4);
    expect(seen).toEqual([
      { authorization: undefined, accessToken: KEY },
      { authorization: undefined, accessToken: KEY },
      { authorization: `Bearer ${KEY}`, accessToken: null },
    ]);
  });
});
