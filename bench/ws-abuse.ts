/**
 * Two abuses of `GET /api/v1/ws`, measured on a gateway process:
 *   a. a client that never reads: it stops reading its socket (`ws.pause()`) and keeps
 *      unsubscribing and subscribing again a campaign of 1,000 positions (every `--cycle-ms`, for
 *      `--seconds`), each subscribe asking for a ~550 KB snapshot; the gateway's RSS is sampled
 *      every second from /proc, and whether and when the gateway closed the client, with which code;
 *   b. a flood of subscribes: one connection subscribes 5 × 1,000 unknown campaign ids (five
 *      messages sent back to back) while a second connection subscribes one real campaign (50
 *      positions, a different one each time) every 500 ms: the second client's snapshot latency
 *      (from its subscribe to the snapshot) 5 s before the flood, from the flood until the flooding
 *      connection is gone (it leaves once it has its 5,000 answers, after `--flood-seconds`, or when
 *      the gateway closes it), and in the 5 s after.
 *
 *   npx tsc -b && npx tsx bench/ws-abuse.ts [--seconds 40] [--cycle-ms 100] [--flood-messages 5] [--flood-seconds 10] [--json FILE]
 *   npx tsx bench/ws-abuse.ts --gateway-entry ../main/services/gateway/dist/src/main.js --no-key
 *
 * It starts the local infrastructure if needed, a scratch database `campaigns_ws_abuse_bench`
 * (wiped and migrated with this checkout's migrations on every run) and one gateway process
 * (`launchService`; `--gateway-entry` runs another checkout's build instead, and `--no-key` sends no
 * API key, for a gateway from before keys). The clients run in this process.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openOrm } from '@cpt/application';
import WebSocket from 'ws';
import { launchService } from '../libs/testkit/src/services.js';
import { BENCH_SERVICE_ENV, benchKey, freshDatabase, localInfra, percentiles, progress } from './lib/bench-env.js';
import { loggedAt, sleep } from './lib/context.js';
import { pidOnPort } from './lib/cpu.js';
import { seed, seedReadCampaign } from './lib/scenario.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next === undefined || next.startsWith('--') ? 'true' : next;
}
const number = (name: string, fallback: number) => Number(flag(name) ?? fallback);

const SECONDS = number('seconds', 40);
const CYCLE_MS = number('cycle-ms', 100);
const FLOOD_SECONDS = number('flood-seconds', 10);
const FLOOD_MESSAGES = number('flood-messages', 5);
const FLOOD_IDS = 1000;
const VICTIM_EVERY_MS = 500;
const QUIET_MS = 5000;
const AFTER_MS = 5000;
const entry = flag('gateway-entry') ?? process.env.BENCH_GATEWAY_ENTRY;
const sendKey = flag('no-key') === undefined;
const jsonOut = flag('json');

const infra = localInfra();
const databaseUrl = await freshDatabase(infra.adminUrl, 'campaigns_ws_abuse_bench');
const orm = await openOrm({ url: databaseUrl, poolMax: 2 });
const key = await benchKey(orm);
const headers: Record<string, string> = sendKey ? key.headers : {};
// Small campaigns for the second client of (b), then the campaign of 1,000 positions of (a).
const small = [...(await seed(orm, { symbols: 200, campaigns: 200, positionsPerCampaign: 50 }, key.accountId)).keys()];
const big = await seedReadCampaign(orm, key.caller, 1000, 'ABUSE1000');
await orm.em.fork().execute('vacuum analyze', [], 'run');
await orm.close(true);
progress(`seeded ${small.length} campaigns of 50 positions and one of 1,000`);

const gateway = await launchService('gateway', {
  databaseUrl,
  kafkaBrokers: infra.kafkaBrokers,
  env: { ...BENCH_SERVICE_ENV, LOG_LEVEL: 'info' },
  ...(entry ? { entry } : {}),
});
const gatewayPid = pidOnPort(Number(new URL(gateway.url).port));
if (gatewayPid === undefined) throw new Error('cannot find the gateway process');
const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/api/v1/ws`;
progress(`gateway ${entry ?? 'of this checkout'} (pid ${gatewayPid}), ${sendKey ? 'with' : 'without'} an API key`);

const now = () => performance.now();
const mib = (kb: number) => Math.round((kb / 1024) * 10) / 10;
function rssKb(): number {
  try {
    const status = readFileSync(`/proc/${gatewayPid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`the upgrade was answered ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** The gateway's log lines about closing a client, since `since` (epoch ms). */
const closingLines = (since: number) =>
  gateway.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('closing a client') && loggedAt(l) >= since);

const subscribe = (ids: string[]) => JSON.stringify({ type: 'subscribe', campaign_ids: ids });
const unsubscribe = (ids: string[]) => JSON.stringify({ type: 'unsubscribe', campaign_ids: ids });

interface NeverReader {
  seconds: number;
  cycleMs: number;
  cycles: number;
  rssMiB: { t: number; rss: number }[];
  startMiB: number;
  peakMiB: number;
  endMiB: number;
  afterLeftMiB: number;
  /** When the gateway decided to close the client (its log line), seconds from the start. */
  closedByGateway: { at: number; why: string } | null;
  /** What the client saw: the close code, and when (seconds from the start; after the window when it resumed reading). */
  clientClose: { at: number; code: number; duringWindow: boolean } | null;
  /** Bytes the client found waiting for it when it read again. */
  bytesWaiting: number;
}

async function neverReader(): Promise<NeverReader> {
  progress(`(a) a client that never reads: unsubscribe + subscribe every ${CYCLE_MS} ms for ${SECONDS} s`);
  const ws = await open();
  ws.pause();
  const t0 = now();
  const wall0 = Date.now();
  let windowOpen = true;
  let leaving = false;
  let clientClose: NeverReader['clientClose'] = null;
  let bytesWaiting = 0;
  let lastByteAt = 0;
  ws.on('message', (data: Buffer) => {
    bytesWaiting += data.length;
    lastByteAt = now();
  });
  ws.on('error', () => undefined);
  ws.on('close', (code) => {
    if (!leaving) clientClose ??= { at: (now() - t0) / 1000, code, duringWindow: windowOpen };
  });
  const rss: { t: number; rss: number }[] = [{ t: 0, rss: mib(rssKb()) }];
  let cycles = 0;
  ws.send(subscribe([big]));
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(unsubscribe([big]));
    ws.send(subscribe([big]));
    cycles++;
  }, CYCLE_MS);
  for (let s = 1; s <= SECONDS; s++) {
    await sleep(t0 + s * 1000 - now());
    rss.push({ t: s, rss: mib(rssKb()) });
  }
  clearInterval(timer);
  windowOpen = false;
  const closing = closingLines(wall0)[0];
  // Reads what waits, to learn how the gateway closed it (a close frame waits behind the rest):
  // until the socket closes, or nothing came for 3 s (at most 30 s).
  ws.resume();
  lastByteAt = now();
  const deadline = now() + 30_000;
  while (ws.readyState !== WebSocket.CLOSED && now() < deadline && now() - lastByteAt < 3000) await sleep(100);
  leaving = true;
  ws.terminate();
  await sleep(5000);
  const afterLeftMiB = mib(rssKb());
  const values = rss.map((r) => r.rss);
  return {
    seconds: SECONDS,
    cycleMs: CYCLE_MS,
    cycles,
    rssMiB: rss,
    startMiB: values[0] ?? Number.NaN,
    peakMiB: Math.max(...values),
    endMiB: values.at(-1) ?? Number.NaN,
    afterLeftMiB,
    closedByGateway: closing ? { at: (loggedAt(closing) - wall0) / 1000, why: String(closing.msg) } : null,
    clientClose,
    bytesWaiting,
  };
}

interface Flood {
  /** The second client's snapshot latency (ms) by window, by when its subscribe was sent. */
  windows: Record<string, Record<string, number>>;
  /** Subscribes of the second client never answered. */
  unanswered: number;
  flooder: { answers: number; answeredAllMs: number | null; closeCode: number | null; stayedMs: number };
}

async function flood(): Promise<Flood> {
  progress(`(b) a flood of ${FLOOD_MESSAGES} × ${FLOOD_IDS} unknown campaign ids; a second client subscribes every ${VICTIM_EVERY_MS} ms`);
  const victim = await open();
  const sentAt = new Map<string, number>();
  const answered: { sent: number; ms: number }[] = [];
  victim.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as { type: string; campaign_id?: string };
    if (m.type !== 'snapshot' || !m.campaign_id) return;
    const at = sentAt.get(m.campaign_id);
    if (at === undefined) return;
    sentAt.delete(m.campaign_id);
    answered.push({ sent: at, ms: now() - at });
    victim.send(unsubscribe([m.campaign_id]));
  });
  let next = 0;
  const ask = () => {
    const id = small[next++ % small.length] as string;
    sentAt.set(id, now());
    victim.send(subscribe([id]));
  };
  ask();
  const asking = setInterval(ask, VICTIM_EVERY_MS);

  await sleep(QUIET_MS);
  const flooder = await open();
  let answers = 0;
  let answeredAllMs: number | null = null;
  let closeCode: number | null = null;
  let leaving = false;
  const leave = () => {
    leaving = true;
    flooder.terminate();
  };
  const floodStart = now();
  const gone = new Promise<void>((resolve) => {
    flooder.on('close', (code) => {
      // A close the flooder did not start itself is the gateway's.
      if (!leaving) closeCode = code;
      resolve();
    });
  });
  flooder.on('error', () => undefined);
  flooder.on('message', () => {
    if (++answers === FLOOD_MESSAGES * FLOOD_IDS) {
      answeredAllMs = now() - floodStart;
      leave();
    }
  });
  for (let i = 0; i < FLOOD_MESSAGES; i++) flooder.send(subscribe(Array.from({ length: FLOOD_IDS }, () => randomUUID())));
  const cap = setTimeout(leave, FLOOD_SECONDS * 1000);
  await gone;
  clearTimeout(cap);
  const floodEnd = now();
  await sleep(AFTER_MS);
  clearInterval(asking);
  const afterEnd = now();
  // Answers still due are waited for (at most 60 s).
  const deadline = now() + 60_000;
  while (sentAt.size > 0 && now() < deadline) await sleep(100);
  victim.terminate();

  const within = (from: number, to: number) =>
    percentiles(
      answered.filter((a) => a.sent >= from && a.sent < to).map((a) => a.ms),
      [50, 99],
    );
  return {
    windows: {
      quiet: within(0, floodStart),
      flood: within(floodStart, floodEnd),
      after: within(floodEnd, afterEnd),
    },
    unanswered: sentAt.size,
    flooder: { answers, answeredAllMs, closeCode, stayedMs: floodEnd - floodStart },
  };
}

let results: { neverReader: NeverReader; flood: Flood };
try {
  results = { neverReader: await neverReader(), flood: await flood() };
} finally {
  await gateway.stop();
}

const a = results.neverReader;
const b = results.flood;
const ms = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v) ? '—' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US');
const lines = [
  `gateway: ${entry ?? 'this checkout'}${sendKey ? '' : ' (no API key)'}`,
  '',
  `(a) a client that never reads, unsubscribe + subscribe of a campaign of 1,000 positions every ${a.cycleMs} ms for ${a.seconds} s (${a.cycles} cycles)`,
  '',
  '| gateway RSS at the start | peak | at the end | 5 s after the client left | closed by the gateway | code the client got |',
  '| ---: | ---: | ---: | ---: | --- | --- |',
  `| ${a.startMiB} MiB | ${a.peakMiB} MiB | ${a.endMiB} MiB | ${a.afterLeftMiB} MiB | ${
    a.closedByGateway ? `at ${a.closedByGateway.at.toFixed(1)} s (${a.closedByGateway.why})` : 'no'
  } | ${a.clientClose ? `${a.clientClose.code}${a.clientClose.duringWindow ? ` at ${a.clientClose.at.toFixed(1)} s` : ' (once it read again)'}` : 'none'} |`,
  '',
  `RSS every second (MiB): ${a.rssMiB.map((r) => r.rss).join(' ')}`,
  '',
  `(b) the second client's snapshot latency (ms), by when it subscribed; the flooder ${
    b.flooder.closeCode !== null
      ? `was closed by the gateway with ${b.flooder.closeCode} after ${Math.round(b.flooder.stayedMs)} ms (${b.flooder.answers} answers)`
      : b.flooder.answeredAllMs !== null
        ? `had its ${FLOOD_MESSAGES * FLOOD_IDS} answers after ${Math.round(b.flooder.answeredAllMs)} ms and left`
        : `left after ${Math.round(b.flooder.stayedMs)} ms with ${b.flooder.answers} answers`
  }${b.unanswered > 0 ? `; ${b.unanswered} subscribes of the second client unanswered after 60 s` : ''}`,
  '',
  '| window | snapshots | p50 | p99 | max |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...(
    [
      ['5 s before the flood', b.windows.quiet],
      [`during the flood (${(b.flooder.stayedMs / 1000).toFixed(1)} s)`, b.windows.flood],
      ['5 s after the flooder left', b.windows.after],
    ] as const
  ).map(([name, w]) => `| ${name} | ${w?.n ?? 0} | ${ms(w?.p50)} | ${ms(w?.p99)} | ${ms(w?.max)} |`),
];
console.log(lines.join('\n'));
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ entry: entry ?? null, sendKey, ...results }, null, 2)}\n`);
process.exit(0);
