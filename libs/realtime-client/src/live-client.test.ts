import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveClient } from './live-client.js';
import type { ServerMessage } from './server-message.js';
import type { SocketLike } from './socket.js';

const CAMPAIGN = '2f6c1c1e-8a55-4b8e-9d43-0b1f1c7a9e10';

/** A socket the test drives: it records what the client sends and plays the server's part. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closedWith: [number | undefined, string | undefined] | undefined;
  onopen: ((event: never) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: never) => void) | null = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(undefined as never);
  }
  receive(m: unknown): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

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
  as_of: null,
};
const snapshot = (seq: number) => ({
  type: 'snapshot',
  campaign_id: CAMPAIGN,
  seq,
  data: { campaign_id: CAMPAIGN, version: 1, positions: [], ...totals },
});
const update = (seq: number, version = 1) => ({
  type: 'campaign_updated',
  campaign_id: CAMPAIGN,
  seq,
  version,
  reason: 'marked',
  totals,
  changed_positions: [],
});

describe('LiveClient (any platform)', () => {
  let sockets: FakeSocket[];
  let client: LiveClient;
  const make = (opts: { heartbeatMs?: number; idleTimeoutMs?: number } = {}) =>
    new LiveClient({
      openSocket: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return s;
      },
      parse: (text) => JSON.parse(text) as ServerMessage,
      backoff: { initialMs: 100, maxMs: 100, jitter: 0 },
      ...opts,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('subscribes on open, applies updates by seq, and ignores one it already holds', async () => {
    client = make();
    const seen: number[] = [];
    client.on('update', (s) => seen.push(s.seq));
    client.subscribe([CAMPAIGN.toUpperCase()]);
    const connected = client.connect();
    sockets[0]?.open();
    await connected;
    expect(sockets[0]?.sent).toEqual([{ type: 'subscribe', campaign_ids: [CAMPAIGN] }]);
    sockets[0]?.receive(snapshot(4));
    sockets[0]?.receive(update(5, 2));
    sockets[0]?.receive(update(5, 2));
    sockets[0]?.receive(update(3));
    sockets[0]?.receive(update(7, 3));
    expect(seen).toEqual([5, 7]);
    expect(client.state(CAMPAIGN)?.data.version).toBe(3);
  });

  it('reconnects after a drop and resumes from the last seq it holds', async () => {
    client = make();
    const reconnecting: number[] = [];
    client.on('reconnecting', (attempt) => reconnecting.push(attempt));
    client.subscribe([CAMPAIGN]);
    const connected = client.connect();
    sockets[0]?.open();
    await connected;
    sockets[0]?.receive(snapshot(9));
    sockets[0]?.drop();
    expect(reconnecting).toEqual([1]);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    sockets[1]?.open();
    expect(sockets[1]?.sent).toEqual([{ type: 'subscribe', campaign_ids: [CAMPAIGN], resume: { [CAMPAIGN]: 9 } }]);
  });

  it('pings on its heartbeat, and gives up a connection that stays silent past the idle timeout', async () => {
    client = make({ heartbeatMs: 1000, idleTimeoutMs: 3000 });
    const closes: [number, string][] = [];
    client.on('close', (code, reason) => closes.push([code, reason]));
    const connected = client.connect();
    sockets[0]?.open();
    await connected;
    vi.advanceTimersByTime(2500);
    expect(sockets[0]?.sent).toEqual([{ type: 'ping' }, { type: 'ping' }]);
    sockets[0]?.receive({ type: 'pong' });
    vi.advanceTimersByTime(2999);
    expect(closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sockets[0]?.closedWith).toEqual([4000, 'idle']);
    expect(closes).toEqual([[4000, 'idle']]);
    // A new connection follows after the back-off, without waiting for the old one's close.
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
  });

  it('does not reconnect once closed for good', async () => {
    client = make();
    const connected = client.connect();
    sockets[0]?.open();
    await connected;
    const closed = client.close();
    expect(sockets[0]?.closedWith).toEqual([1000, 'client closing']);
    sockets[0]?.drop(1000);
    await closed;
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
    expect(client.connected).toBe(false);
  });
});
