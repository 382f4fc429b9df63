/**
 * The market data pipeline, measured: ticks posted over HTTP to price-ingest until the position
 * service has committed their marks (sustained ticks/s), then the lag from tick posted to its
 * `campaign_updated` event on Kafka at a fixed rate.
 *
 *   npx tsc -b && npx tsx bench/pipeline.ts [--quick]
 *
 * It starts the local infrastructure if needed, the benchmark's own Kafka broker (bench/lib/
 * bench-kafka.ts, port BENCH_KAFKA_PORT or 9192), a scratch database `campaigns_bench` (wiped on
 * every run) and its own price-ingest and position processes. `npm run bench` measures the same
 * path stage by stage; this script keeps the burst and the tick-to-Kafka-event lag.
 */

import { openOrm } from '@cpt/application';
import { TOPICS } from '@cpt/messaging';
import { launchService } from '../libs/testkit/src/services.js';
import { BENCH_SERVICE_ENV, benchKey, freshDatabase, localInfra, percentiles, progress } from './lib/bench-env.js';
import { benchKafka, benchKafkaClient, recreateTopics } from './lib/bench-kafka.js';
import { seed, symbolName } from './lib/scenario.js';
import { closeHttp, postTicks } from './lib/ticks.js';

const quick = process.argv.includes('--quick');
const SCENARIO = { symbols: 1000, campaigns: 200, positionsPerCampaign: 50 };
const BURST_TICKS = quick ? 60_000 : 200_000;
const BATCH = 1000;
const CONCURRENCY = 4;
const RATE = 1000;
const RATE_SECONDS = quick ? 10 : 30;

const infra = localInfra();
const kafkaBrokers = await benchKafka(Number(process.env.BENCH_KAFKA_PORT ?? 9192));
const kafka = benchKafkaClient(kafkaBrokers);
// The broker is the benchmark's own: emptied, so that the new consumer group has no history to read.
await recreateTopics(kafka);
const databaseUrl = await freshDatabase(infra.adminUrl, 'campaigns_bench');
const orm = await openOrm({ url: databaseUrl });
const key = await benchKey(orm);
const campaignSymbols = await seed(orm, SCENARIO, key.accountId);
progress(
  `seeded ${SCENARIO.campaigns} campaigns, ${SCENARIO.campaigns * SCENARIO.positionsPerCampaign} open positions, ${SCENARIO.symbols} symbols`,
);

const group = `bench-${Date.now()}`;
const env = { ...BENCH_SERVICE_ENV, LOG_LEVEL: 'debug', CONSUMER_GROUP: group };
const [ingest, position] = await Promise.all([
  launchService('price-ingest', { databaseUrl, kafkaBrokers, env }),
  launchService('position', { databaseUrl, kafkaBrokers, env }),
]);
const admin = kafka.admin();
await admin.connect();

const lagOf = async (): Promise<bigint> => {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(TOPICS.ticks),
    admin.fetchOffsets({ groupId: group, topics: [TOPICS.ticks] }),
  ]);
  let lag = 0n;
  for (const e of ends) {
    const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
    lag += BigInt(e.high) - BigInt(c === '-1' ? e.low : c);
  }
  return lag;
};
const post = (ticks: object[]): Promise<void> => postTicks(ingest.url, key.key, JSON.stringify(ticks));

// 1. Sustained throughput: as fast as ingest accepts, until every mark is committed.
let clock = Date.parse('2026-11-25T00:00:00Z');
const price = (i: number) => `${100 + (i % 7)}.${String((i * 37) % 10_000).padStart(4, '0')}`;
const batches: object[][] = [];
for (let i = 0; i < BURST_TICKS; i += BATCH) {
  batches.push(
    Array.from({ length: BATCH }, (_, j) => ({
      symbol: symbolName((i + j) % SCENARIO.symbols),
      price: price(i + j),
      ts: new Date(clock++).toISOString(),
      source: 'bench',
    })),
  );
}
while ((await lagOf()) > 0n) await new Promise((r) => setTimeout(r, 200));
progress(`posting ${BURST_TICKS} ticks in arrays of ${BATCH}, ${CONCURRENCY} clients`);
const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < batches.length) await post(batches[next++] as object[]);
  }),
);
const tIngested = performance.now();
let lastLog = 0;
for (;;) {
  const lag = await lagOf();
  if (lag === 0n) break;
  if (performance.now() - lastLog > 2000) {
    progress(`consumer lag ${lag}`);
    lastLog = performance.now();
  }
  await new Promise((r) => setTimeout(r, 50));
}
const tCommitted = performance.now();
const ingestRate = BURST_TICKS / ((tIngested - t0) / 1000);
const endToEnd = BURST_TICKS / ((tCommitted - t0) / 1000);
progress(`ingest ${ingestRate.toFixed(0)} ticks/s; HTTP to committed marks ${endToEnd.toFixed(0)} ticks/s`);

// The events of the burst must be on Kafka before the fixed rate starts, or they would count as its lag.
const outboxSize = async () => (await orm.em.fork().execute('select count(*)::int as n from campaign_events'))[0]?.n as number;
const backlog = await outboxSize();
const tDrain = performance.now();
while ((await outboxSize()) > 0) await new Promise((r) => setTimeout(r, 100));
const relayRate = backlog / ((performance.now() - tDrain) / 1000);
progress(`outbox backlog of ${backlog} events drained at ${relayRate.toFixed(0)} events/s`);

// 2. Lag at a fixed rate: tick posted -> its campaign_updated event received from Kafka.
const posted = new Map<string, number>();
const ingestLatency: number[] = [];
const lags: number[] = [];
const consumer = kafka.consumer({ groupId: `${group}-events`, maxWaitTimeInMs: 5 });
await consumer.connect();
await consumer.subscribe({ topics: [TOPICS.campaignEvents], fromBeginning: false });
let joined = false;
consumer.on(consumer.events.GROUP_JOIN, () => {
  joined = true;
});
await consumer.run({
  eachMessage: async ({ message }) => {
    const e = JSON.parse(message.value?.toString() ?? '{}') as { campaign_id: string; reason: string; totals: { as_of: string | null } };
    if (e.reason !== 'marked' || !e.totals.as_of) return;
    const at = posted.get(`${campaignSymbols.get(e.campaign_id)}|${e.totals.as_of}`);
    if (at !== undefined) lags.push(performance.now() - at);
  },
});
while (!joined) await new Promise((r) => setTimeout(r, 50));
progress(`posting ${RATE} ticks/s for ${RATE_SECONDS} s`);
const perTick = 10; // ticks per request, one request every 10 ms
const start = performance.now();
let sent = 0;
let symbolCursor = 0;
while (performance.now() - start < RATE_SECONDS * 1000) {
  const due = Math.floor(((performance.now() - start) / 1000) * RATE);
  if (sent >= due) {
    await new Promise((r) => setTimeout(r, 2));
    continue;
  }
  const ts = new Date(Math.max(clock++, Date.now())).toISOString();
  const ticks = Array.from({ length: perTick }, () => {
    const symbol = symbolName(symbolCursor++ % SCENARIO.symbols);
    return { symbol, price: price(sent), ts, source: 'bench' };
  });
  const at = performance.now();
  for (const t of ticks) posted.set(`${t.symbol}|${t.ts}`, at);
  void post(ticks).then(() => ingestLatency.push(performance.now() - at));
  sent += perTick;
}
while ((await lagOf()) > 0n) await new Promise((r) => setTimeout(r, 100));
await new Promise((r) => setTimeout(r, 1000));
const lag = percentiles(lags);
const il = percentiles(ingestLatency);
progress(`ingest answer at ${RATE}/s: p50 ${il.p50?.toFixed(1)} ms, p99 ${il.p99?.toFixed(1)} ms`);
const batches2 = position.logs.filter((l) => l.msg === 'marks committed').slice(-200) as { ticks: number; marked: number; ms: number }[];
const avg = (f: (b: { ticks: number; marked: number; ms: number }) => number) =>
  batches2.reduce((a, b) => a + f(b), 0) / Math.max(1, batches2.length);
const rounds = position.logs.filter((l) => l.msg === 'events published').slice(-200) as { events: number; ms: number }[];
progress(
  `last ${rounds.length} relay rounds: ${(rounds.reduce((a, b) => a + b.events, 0) / Math.max(1, rounds.length)).toFixed(0)} events, ${(rounds.reduce((a, b) => a + b.ms, 0) / Math.max(1, rounds.length)).toFixed(1)} ms each`,
);
progress(
  `last ${batches2.length} batches: ${avg((b) => b.ticks).toFixed(0)} ticks, ${avg((b) => b.marked).toFixed(0)} marks, ${avg((b) => b.ms).toFixed(1)} ms each`,
);
progress(
  `tick -> event lag at ${RATE}/s: p50 ${lag.p50?.toFixed(1)} ms, p99 ${lag.p99?.toFixed(1)} ms, max ${lag.max?.toFixed(1)} ms (${lag.n} samples)`,
);

const report = {
  scenario: SCENARIO,
  burst: {
    ticks: BURST_TICKS,
    batch: BATCH,
    clients: CONCURRENCY,
    ingestTicksPerSec: Math.round(ingestRate),
    endToEndTicksPerSec: Math.round(endToEnd),
  },
  fixedRate: { ticksPerSec: RATE, seconds: RATE_SECONDS, tickToEventMs: lag, ingestAnswerMs: il },
};
console.log(JSON.stringify(report, null, 2));
await consumer.disconnect();
await admin.disconnect();
await Promise.all([ingest.stop(), position.stop()]);
closeHttp();
await orm.close();
