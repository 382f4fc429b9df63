/**
 * WebSocket subscribers in a process of their own (started by bench/lib/ws-subscribers.ts), so
 * that reading what the server sends does not wait behind the load generator's event loop. The
 * parent drives it over IPC: connect, measure a window, close. The window is timed here, since
 * under a flood of frames a command may reach this process late.
 *
 * A message is never parsed: a `campaign_updated` is recognised by its first bytes, and its
 * `totals.as_of` (the tick that marked it: the benchmark posts ticks stamped with the time they
 * are posted) is found by a byte search. Its latency is the time of arrival minus that stamp.
 *
 * Every connection presents the API key of `BENCH_API_KEY` (`Authorization: Bearer`) on its upgrade.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

export type ClientCommand =
  | { cmd: 'connect'; url: string; subscriptions: string[][]; snapshots: boolean }
  | { cmd: 'measure'; ms: number; record: boolean }
  | { cmd: 'close' };

export interface ClientStats {
  messages: number;
  bytes: number;
  updates: number;
  /** Latencies of the updates received in the window, in ms (when recording). */
  latencies: number[];
  /** The length of the window, in seconds. */
  seconds: number;
  open: number;
  errors: string[];
  /**
   * The share of the window this process's event loop was busy (0 to 1): at 1 the clients, not the
   * server, bound what is delivered.
   */
  loopBusy: number;
}

export type ClientReply = { type: 'connected'; ms: number } | { type: 'stats'; stats: ClientStats } | { type: 'failed'; error: string };

const KEY = process.env.BENCH_API_KEY;
if (!KEY) throw new Error('BENCH_API_KEY is not set: the WebSocket clients present the benchmark key');
const HEADERS = { authorization: `Bearer ${KEY}` };

const UPDATE = Buffer.from('{"type":"campaign_updated"');
const SNAPSHOT = Buffer.from('{"type":"snapshot"');
const AS_OF = Buffer.from('"as_of":"');

const sockets: WebSocket[] = [];
const errors: string[] = [];
let record = false;
let counts = { messages: 0, bytes: 0, updates: 0 };
let latencies: number[] = [];

const send = (m: ClientReply) => process.send?.(m);
const startsWith = (b: Buffer, prefix: Buffer) => b.length >= prefix.length && b.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

function onMessage(data: Buffer): void {
  counts.messages++;
  counts.bytes += data.length;
  if (!startsWith(data, UPDATE)) return;
  counts.updates++;
  if (!record) return;
  const at = data.indexOf(AS_OF);
  if (at < 0) return;
  const start = at + AS_OF.length;
  const end = data.indexOf(34, start); // the closing quote
  const stamp = Date.parse(data.toString('latin1', start, end));
  if (!Number.isNaN(stamp)) latencies.push(performance.timeOrigin + performance.now() - stamp);
}

/** Opens one subscriber; resolves once it holds a snapshot of each of its campaigns (or at once). */
function open(url: string, campaigns: string[], snapshots: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, headers: HEADERS });
    let waiting = snapshots ? campaigns.length : 0;
    ws.on('open', () => {
      sockets.push(ws);
      if (campaigns.length > 0) ws.send(JSON.stringify({ type: 'subscribe', campaign_ids: campaigns }));
      if (waiting === 0) resolve();
    });
    ws.on('message', (data: Buffer) => {
      if (waiting > 0 && startsWith(data, SNAPSHOT) && --waiting === 0) resolve();
      onMessage(data);
    });
    ws.on('error', (err) => {
      if (errors.length < 20) errors.push(err.message);
      reject(err);
    });
    ws.on('close', (code) => {
      if (code !== 1000 && code !== 1005 && errors.length < 20) errors.push(`closed with ${code}`);
    });
  });
}

async function connect(url: string, subscriptions: string[][], snapshots: boolean): Promise<void> {
  const started = performance.now();
  let next = 0;
  // A few dozen handshakes at a time: the server reads a snapshot for each subscription.
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < subscriptions.length) await open(url, subscriptions[next++] as string[], snapshots);
    }),
  );
  send({ type: 'connected', ms: performance.now() - started });
}

process.on('message', (m: ClientCommand) => {
  if (m.cmd === 'connect') {
    connect(m.url, m.subscriptions, m.snapshots).catch((err: unknown) => send({ type: 'failed', error: String(err) }));
  } else if (m.cmd === 'measure') {
    record = m.record;
    counts = { messages: 0, bytes: 0, updates: 0 };
    latencies = [];
    const since = performance.now();
    const loop = performance.eventLoopUtilization();
    setTimeout(() => {
      const window = {
        ...counts,
        latencies,
        seconds: (performance.now() - since) / 1000,
        loopBusy: performance.eventLoopUtilization(loop).utilization,
      };
      record = false;
      const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
      send({ type: 'stats', stats: { ...window, open, errors: [...errors] } });
    }, m.ms);
  } else {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
