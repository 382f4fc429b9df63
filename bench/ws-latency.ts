/**
 * WebSocket delivery, measured through real processes:
 *   1. gateway memory per connection: RSS growth over 2,000 idle subscribed connections;
 *   2. tick -> WebSocket latency (p50/p99) at 1,000 ticks/s with 500 subscribers: from the moment
 *      a tick is posted to price-ingest to the moment a subscriber receives the `marked` update
 *      whose `as_of` is that tick's ts (ticks the position service merged into a newer one in the
 *      same batch have no update of their own and give no sample);
 *   3. messages/s delivered when 1,000 subscribers each follow the same 100 busy campaigns, first
 *      driven by ticks (the whole pipeline sets the pace), then by events published straight to
 *      campaign.events (the gateway alone).
 *
 *   npx tsc -b && npx tsx bench/ws-latency.ts [--quick]
 *
 * It starts the local infrastructure if needed, a scratch database `campaigns_ws_bench` (wiped on
 * every run) and its own gateway, price-ingest and position processes; `make up` need not run.
 * The subscribers run in this process, so they share the machine with the services.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { openOrm } from '@cpt/application';
import { eventHeaders } from '@cpt/contracts';
import { createKafka, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import WebSocket from 'ws';
import { launchService } from '../libs/testkit/src/services.js';
import { BENCH_SERVICE_ENV, benchKey, freshDatabase, localInfra, percentiles, progress } from './lib/bench-env.js';

const quick = process.argv.includes('--quick');
const CAMPAIGNS = 100;
const POSITIONS = 5;
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = quick ? 10 : 30;
const WARMUP_SECONDS = 3;
const MEMORY_CONNECTIONS = 1000;
const LATENCY_SUBSCRIBERS = 500;
const FANOUT_SUBSCRIBERS = 1000;
const SYNTHETIC_EVENTS_PER_SEC = quick ? 100 : 200;
interface Update {
  type: string;
  reason?: string;
  campaign_id: string;
  seq: number;
  totals?: { as_of: string | null };
}

// The position service's group keeps its offsets between runs, so that a run does not first replay all of market.ticks.
const GROUP = 'bench-ws-latency';

const infra = localInfra();
const databaseUrl = await freshDatabase(infra.adminUrl, 'campaigns_ws_bench');
const orm = await openOrm({ url: databaseUrl });
// Every client presents this key (all scopes); the campaigns are its account's.
const key = await benchKey(orm);
const headers = key.headers;
const prefix = `WB${Date.now().toString(36).toUpperCase()}`;
const campaigns = (await orm.em.fork().execute(
  `insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
   select gen_random_uuid(), ?::uuid, 'ws bench ' || g, ? || lpad(g::text, 3, '0'), '1h', 'LONG', 'ACTIVE', 1, 0, now(), now()
   from generate_series(0, ?::int - 1) g returning id, symbol`,
  [key.accountId, prefix, CAMPAIGNS],
)) as { id: string; symbol: string }[];
await orm.em.fork().execute(
  `insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
     open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, created_at, updated_at, max_favorable_price, max_adverse_price)
   select gen_random_uuid(), c.account_id, c.id, null, c.symbol, '1h', 'SPRING', timestamptz '2026-01-01', 100, 10 + n, 10 + n, 95, 95,
     5 * (10 + n), 5 * (10 + n), 0, 0, 100, 0, 'OPEN', now(), now(), 100, 100
   from campaigns c cross join generate_series(1, ?::int) n`,
  [POSITIONS],
);
await orm.close();
const symbolOf = new Map(campaigns.map((c) => [c.id, c.symbol]));
progress(`seeded ${CAMPAIGNS} campaigns of ${POSITIONS} positions`);

const env = { ...BENCH_SERVICE_ENV, LOG_LEVEL: 'warn', CONSUMER_GROUP: GROUP };
const services = { databaseUrl, kafkaBrokers: infra.kafkaBrokers, env };
const [gateway, ingest, position] = await Promise.all([
  launchService('gateway', services),
  launchService('price-ingest', services),
  launchService('position', services),
]);
const gatewayPid = childPid('services/gateway/dist/src/main.js');
const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/api/v1/ws`;
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'bench-ws' }, createLogger('bench', 'fatal'));
const admin = kafka.admin();
await admin.connect();
await untilCaughtUp();

// 1. Memory per connection: RSS after 1,000 and after 2,000 subscribed connections, each read once it settled.
await closeAll(await subscribers(100, (i) => [campaigns[i % CAMPAIGNS]?.id as string]));
const settledRss = async () => {
  await new Promise((r) => setTimeout(r, 2000));
  return rssBytes(gatewayPid);
};
const rss0 = await settledRss();
const idle = await subscribers(MEMORY_CONNECTIONS, (i) => [campaigns[i % CAMPAIGNS]?.id as string]);
const rss1 = await settledRss();
idle.push(...(await subscribers(MEMORY_CONNECTIONS, (i) => [campaigns[i % CAMPAIGNS]?.id as string])));
const rss2 = await settledRss();
await closeAll(idle);
const memory = {
  rssMiB: { idle: mib(rss0), [MEMORY_CONNECTIONS]: mib(rss1), [2 * MEMORY_CONNECTIONS]: mib(rss2) },
  kibPerConnection: Number(((rss2 - rss0) / 1024 / (2 * MEMORY_CONNECTIONS)).toFixed(1)),
  kibPerConnectionFirst1000: Number(((rss1 - rss0) / 1024 / MEMORY_CONNECTIONS).toFixed(1)),
};
progress(`memory: ${memory.kibPerConnection} KiB per subscribed connection (RSS ${JSON.stringify(memory.rssMiB)} MiB)`);

// A consumer of campaign.events counts the events and keeps the time the relay produced each
// (Kafka's CreateTime, on this machine's clock), to split the latency at Kafka.
const producedAt = new Map<string, number>();
let kafkaEvents = 0;
const tap = kafka.consumer({ groupId: `bench-ws-tap-${Date.now()}`, maxWaitTimeInMs: 20 });
let tapReady = false;
tap.on(tap.events.FETCH, () => {
  tapReady = true;
});
await tap.connect();
await tap.subscribe({ topics: [TOPICS.campaignEvents], fromBeginning: false });
await tap.run({
  eachMessage: async ({ message }) => {
    const m = JSON.parse(message.value?.toString() ?? '{}') as Update;
    if (!symbolOf.has(m.campaign_id)) return;
    kafkaEvents++;
    producedAt.set(`${m.campaign_id}|${m.seq}`, Number(message.timestamp));
  },
});
while (!tapReady) await new Promise((r) => setTimeout(r, 50));

// 2. Latency at a fixed rate.
const posted = new Map<string, number>();
const receipts: { posted: number; received: number; key: string }[] = [];
const latencyClients = await subscribers(
  LATENCY_SUBSCRIBERS,
  (i) => [campaigns[i % CAMPAIGNS]?.id as string],
  (data) => {
    const received = now();
    const m = JSON.parse(data.toString()) as Update;
    if (m.type !== 'campaign_updated' || m.reason !== 'marked') return;
    const at = posted.get(`${symbolOf.get(m.campaign_id)}|${m.totals?.as_of}`);
    if (at !== undefined) receipts.push({ posted: at, received, key: `${m.campaign_id}|${m.seq}` });
  },
);
progress(`latency: ${RATE} ticks/s for ${SECONDS} s, ${LATENCY_SUBSCRIBERS} subscribers`);
const latencyTicks = await postTicks(SECONDS, (key, at, warm) => {
  if (warm) posted.set(key, at);
});
await untilCaughtUp();
await closeAll(latencyClients);
const split = receipts.filter((r) => producedAt.has(r.key));
const latency = {
  ticksPerSec: latencyTicks,
  seconds: SECONDS,
  subscribers: LATENCY_SUBSCRIBERS,
  tickToWebSocketMs: percentiles(receipts.map((r) => r.received - r.posted)),
  tickToKafkaEventMs: percentiles(split.map((r) => (producedAt.get(r.key) as number) - r.posted)),
  kafkaEventToWebSocketMs: percentiles(split.map((r) => r.received - (producedAt.get(r.key) as number))),
};
progress(
  `tick -> WebSocket: p50 ${latency.tickToWebSocketMs.p50?.toFixed(1)} ms, p99 ${latency.tickToWebSocketMs.p99?.toFixed(1)} ms; ` +
    `of which campaign.events -> WebSocket p50 ${latency.kafkaEventToWebSocketMs.p50?.toFixed(1)} ms, p99 ${latency.kafkaEventToWebSocketMs.p99?.toFixed(1)} ms`,
);

// 3. Fan-out: every subscriber follows every campaign, driven by ticks.
let messages = 0;
let lastMessageAt = 0;
const fanout = await subscribers(
  FANOUT_SUBSCRIBERS,
  () => campaigns.map((c) => c.id),
  () => {
    messages++;
    lastMessageAt = now();
  },
);
progress(`fan-out: ${FANOUT_SUBSCRIBERS} subscribers x ${CAMPAIGNS} campaigns, ${RATE} ticks/s for ${SECONDS} s`);
const fanoutReport = await measureFanout(async () => ({ ticksPerSec: await postTicks(SECONDS, () => undefined) }));
progress(
  `fan-out: ${fanoutReport.messagesPerSec} messages/s delivered from ${fanoutReport.eventsPerSec} events/s (share ${fanoutReport.deliveredShare})`,
);

// 4. The gateway alone: the same subscribers, events published straight to campaign.events at a
// fixed rate (continuing each campaign's seq), so the position pipeline does not set the pace.
await untilCaughtUp();
progress(`gateway alone: ${SYNTHETIC_EVENTS_PER_SEC} events/s published straight to campaign.events for ${SECONDS} s`);
const synthetic = await measureFanout(async () => {
  await publishEvents(SYNTHETIC_EVENTS_PER_SEC);
  return {};
});
progress(
  `gateway alone: ${synthetic.messagesPerSec} messages/s delivered from ${synthetic.eventsPerSec} events/s (share ${synthetic.deliveredShare})`,
);
await closeAll(fanout);

console.log(
  JSON.stringify(
    {
      memory,
      latency,
      fanout: fanoutReport,
      gatewayAlone: synthetic,
    },
    null,
    2,
  ),
);
await tap.disconnect();
await admin.disconnect();
await Promise.all([gateway.stop(), ingest.stop(), position.stop()]);

/** Posts RATE ticks/s, 10 per request, for `seconds`; returns the rate reached. */
async function postTicks(seconds: number, onPosted: (key: string, at: number, warm: boolean) => void): Promise<number> {
  const perRequest = 10;
  const start = now();
  let sent = 0;
  let cursor = 0;
  let clock = Date.now();
  const inFlight = new Set<Promise<void>>();
  while (now() - start < seconds * 1000) {
    if (sent >= Math.floor(((now() - start) / 1000) * RATE)) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    clock = Math.max(clock + 1, Date.now());
    const ts = new Date(clock).toISOString();
    const ticks = Array.from({ length: perRequest }, (_, i) => ({
      symbol: campaigns[(cursor + i) % CAMPAIGNS]?.symbol,
      price: `${100 + ((sent + i) % 97) / 100}`,
      ts,
      source: 'bench',
    }));
    cursor += perRequest;
    const at = now();
    for (const t of ticks) onPosted(`${t.symbol}|${ts}`, at, at - start > WARMUP_SECONDS * 1000);
    const p = fetch(`${ingest.url}/api/v1/ticks`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(ticks),
    }).then(async (r) => {
      if (r.status !== 202) throw new Error(`ingest answered ${r.status}: ${await r.text()}`);
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    sent += perRequest;
  }
  await Promise.all(inFlight);
  return Math.round(sent / ((now() - start) / 1000));
}

/** Runs `drive` while the fan-out subscribers listen; counts the events on Kafka and the messages they received. */
async function measureFanout<T extends object>(drive: () => Promise<T>) {
  const cpu = cpuSeconds(gatewayPid);
  const [m0, e0, start] = [messages, kafkaEvents, now()];
  const extra = await drive();
  // The tail: until no message came for a second.
  while (now() - Math.max(lastMessageAt, start) < 1000) await new Promise((r) => setTimeout(r, 100));
  const seconds = (lastMessageAt - start) / 1000;
  const [delivered, events] = [messages - m0, kafkaEvents - e0];
  return {
    subscribers: FANOUT_SUBSCRIBERS,
    campaigns: CAMPAIGNS,
    ...extra,
    seconds: Number(seconds.toFixed(1)),
    eventsPerSec: Math.round(events / seconds),
    messagesPerSec: Math.round(delivered / seconds),
    // Below 1: updates were conflated for subscribers that could not take every one.
    deliveredShare: Number((delivered / Math.max(1, events * FANOUT_SUBSCRIBERS)).toFixed(3)),
    gatewayCpuShare: Number(((cpuSeconds(gatewayPid) - cpu) / seconds).toFixed(2)),
  };
}

/** Publishes `rate` events/s for SECONDS straight to campaign.events, continuing each campaign's seq. */
async function publishEvents(rate: number): Promise<void> {
  const db = await openOrm({ url: databaseUrl, poolMax: 1 });
  const rows = (await db.em.fork().execute('select id::text, last_seq::text from campaigns')) as { id: string; last_seq: string }[];
  await db.close();
  const seqs = new Map(rows.map((r) => [r.id, Number(r.last_seq)]));
  const views = await Promise.all(
    campaigns.map(async (c) => (await fetch(`${gateway.url}/api/v1/campaigns/${c.id}/positions`, { headers })).json()),
  );
  const producer = kafka.producer();
  await producer.connect();
  const start = now();
  let published = 0;
  while (now() - start < SECONDS * 1000) {
    const due = Math.floor(((now() - start) / 1000) * rate) - published;
    if (due <= 0) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    const batch = Array.from({ length: due }, (_, i) => {
      const { campaign_id, version, positions, ...totals } = views[(published + i) % CAMPAIGNS] as Record<string, unknown> & {
        campaign_id: string;
      };
      const seq = (seqs.get(campaign_id) ?? 0) + 1;
      seqs.set(campaign_id, seq);
      const event = { type: 'campaign_updated', campaign_id, seq, version, reason: 'marked', totals, changed_positions: positions };
      return {
        key: campaign_id,
        value: JSON.stringify(event),
        headers: eventHeaders(campaign_id, seq),
      };
    });
    await producer.send({ topic: TOPICS.campaignEvents, messages: batch });
    published += due;
  }
  await producer.disconnect();
}

/** Opens `n` connections (100 at a time) and waits until each has the snapshots of its campaigns. */
async function subscribers(n: number, idsOf: (i: number) => string[], onMessage?: (data: Buffer) => void): Promise<WebSocket[]> {
  const clients: WebSocket[] = [];
  let snapshotsDue = 0;
  let snapshotsSeen = 0;
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, n - i) }, (_, j) => {
        const ws = new WebSocket(wsUrl, { headers });
        return new Promise<WebSocket>((resolve, reject) => {
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }).then(() => {
          const ids = idsOf(i + j);
          snapshotsDue += ids.length;
          ws.on('message', (data: Buffer) => {
            if (snapshotsSeen < snapshotsDue && data.subarray(0, 20).toString().includes('snapshot')) snapshotsSeen++;
            onMessage?.(data);
          });
          ws.send(JSON.stringify({ type: 'subscribe', campaign_ids: ids }));
          return ws;
        });
      }),
    );
    clients.push(...batch);
  }
  while (snapshotsSeen < snapshotsDue) await new Promise((r) => setTimeout(r, 20));
  return clients;
}

async function closeAll(clients: WebSocket[]): Promise<void> {
  await Promise.all(
    clients.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
}

/** Waits until the position service has consumed every tick. */
async function untilCaughtUp(): Promise<void> {
  for (;;) {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(TOPICS.ticks),
      admin.fetchOffsets({ groupId: GROUP, topics: [TOPICS.ticks] }),
    ]);
    const lag = ends.reduce((n, e) => {
      const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
      return n + Number(BigInt(e.high) - BigInt(c === '-1' ? e.low : c));
    }, 0);
    if (lag === 0) return;
    progress(`position service lag ${lag}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The pid of this process's child running the given entry point. */
function childPid(entry: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(entry)) return Number(name);
    } catch {
      // the process ended meanwhile
    }
  }
  throw new Error(`no child process runs ${entry}`);
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Epoch milliseconds with sub-millisecond precision, comparable with Kafka timestamps. */
function now(): number {
  return performance.timeOrigin + performance.now();
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
