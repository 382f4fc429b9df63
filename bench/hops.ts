/**
 * Where the time of one tick goes, hop by hop, on a running stack (`make up`): `npm run bench:hops`.
 *
 * A campaign of one position on a symbol of its own; then `--ticks` requests of one tick each,
 * `--every` ms apart (an idle pipeline: no request waits for another). For each tick:
 *
 *   sent       the tick's `ts`, taken just before its POST
 *   acked      the 202 of price-ingest (Kafka committed the transaction)
 *   produced   the CreateTime of its record on market.ticks (when price-ingest's producer sent it)
 *   visible    a read_committed consumer received it (the commit markers are written)
 *   published  the CreateTime of the `campaign_updated` that carries its mark (the position
 *              service's publish, after its transaction committed)
 *   delivered  a WebSocket subscriber of the campaign received that update
 *
 * and prints the percentiles of each hop. Settings: GATEWAY_URL (http://127.0.0.1:8080),
 * PRICE_INGEST_URL (http://127.0.0.1:8081), KAFKA_BROKERS (127.0.0.1:9092), API_KEY (else the key
 * of .run/dev-api-key, which `make up` writes).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { percentiles } from './lib/bench-env.js';
import { benchKafkaClient } from './lib/bench-kafka.js';
import { closeHttp, post, postTicks } from './lib/ticks.js';

const { values: args } = parseArgs({
  options: { ticks: { type: 'string', default: '100' }, every: { type: 'string', default: '100' } },
});
const TICKS = Number(args.ticks);
const EVERY_MS = Number(args.every);
const GATEWAY = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';
const INGEST = process.env.PRICE_INGEST_URL ?? 'http://127.0.0.1:8081';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const KEY = process.env.API_KEY ?? readFileSync(new URL('../.run/dev-api-key', import.meta.url), 'utf8').trim();

type Stamp = 'sent' | 'acked' | 'produced' | 'visible' | 'published' | 'delivered';
const HOPS: [Stamp, Stamp, string][] = [
  ['sent', 'acked', 'POST → 202 (price-ingest and its Kafka transaction)'],
  ['sent', 'produced', '  of which: POST → record sent (HTTP, key, validation)'],
  ['produced', 'acked', '  of which: record sent → 202 (produce and commit)'],
  ['acked', 'visible', '202 → visible to read_committed consumers'],
  ['visible', 'published', 'visible → update published (position service: fetch, transaction, publish)'],
  ['published', 'delivered', 'published → delivered over the WebSocket (Kafka, gateway)'],
  ['sent', 'delivered', 'tick → WebSocket'],
];

/** The stamps of each tick, by its `ts` (a position's `marked_at` is the `ts` of its mark). */
const stamps = new Map<string, Partial<Record<Stamp, number>>>();
const stampsOf = (ts: string) => {
  const s = stamps.get(ts) ?? {};
  stamps.set(ts, s);
  return s;
};

async function rest<T>(path: string, body: unknown): Promise<T> {
  const res = await post(`${GATEWAY}${path}`, KEY, JSON.stringify(body));
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}

const symbol = `HOPS${Date.now().toString(36).toUpperCase()}`;
const campaign = await rest<{ id: string }>('/api/v1/campaigns', { name: 'hops', symbol, timeframe: '1h', side: 'LONG' });
await rest(`/api/v1/campaigns/${campaign.id}/positions`, {
  pattern_type: 'SPRING',
  entry_price: '100',
  shares: '10',
  stop_loss: '50',
  entry_date: '2026-01-01T00:00:00.000Z',
});

const kafka = benchKafkaClient(BROKERS, 'bench-hops');
const taps = await Promise.all([
  tap('market.ticks', (v, createTime) => {
    if (v.symbol !== symbol || typeof v.ts !== 'string') return;
    const s = stampsOf(v.ts);
    s.produced = createTime;
    s.visible = Date.now();
  }),
  tap('campaign.events', (v, createTime) => {
    if (v.campaign_id !== campaign.id) return;
    for (const ts of markedAts(v)) stampsOf(ts).published ??= createTime;
  }),
]);

const ws = new WebSocket(`${GATEWAY.replace(/^http/, 'ws')}/api/v1/ws`, { headers: { authorization: `Bearer ${KEY}` } });
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
ws.on('message', (data) => {
  const m = JSON.parse(data.toString()) as Record<string, unknown>;
  if (m.type !== 'campaign_updated') return;
  const now = Date.now();
  for (const ts of markedAts(m)) stampsOf(ts).delivered ??= now;
});
ws.send(JSON.stringify({ type: 'subscribe', campaign_ids: [campaign.id] }));

for (let i = 0; i < TICKS; i++) {
  const ts = new Date().toISOString();
  const s = stampsOf(ts);
  s.sent = Date.parse(ts);
  const t0 = performance.now();
  await postTicks(INGEST, KEY, JSON.stringify({ symbol, price: (100 + (i % 7)).toFixed(2), ts }));
  s.acked = (s.sent as number) + (performance.now() - t0);
  await new Promise((r) => setTimeout(r, EVERY_MS));
}
// The last updates; then whatever has not arrived is reported as missing.
for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
  if ([...stamps.values()].every((s) => s.delivered !== undefined)) break;
  await new Promise((r) => setTimeout(r, 100));
}
ws.close();
closeHttp();
await Promise.all(taps.map((c) => c.disconnect()));

const complete = [...stamps.values()].filter((s) => HOPS.every(([a, b]) => s[a] !== undefined && s[b] !== undefined));
console.log(`${symbol}: ${complete.length} of ${TICKS} ticks seen at every hop (one a request, every ${EVERY_MS} ms)`);
console.log(`${'hop'.padEnd(80)} ${'p50'.padStart(7)} ${'p90'.padStart(7)} ${'max'.padStart(7)}  ms`);
for (const [a, b, what] of HOPS) {
  const p = percentiles(
    complete.map((s) => (s[b] as number) - (s[a] as number)),
    [50, 90],
  );
  const cell = (k: string) => (p[k] ?? Number.NaN).toFixed(1).padStart(7);
  console.log(`${what.padEnd(80)} ${cell('p50')} ${cell('p90')} ${cell('max')}`);
}

/** The `marked_at` of every position an update carries. */
function markedAts(v: Record<string, unknown>): string[] {
  const changed = Array.isArray(v.changed_positions) ? (v.changed_positions as Record<string, unknown>[]) : [];
  return changed.flatMap((p) => (typeof p.marked_at === 'string' ? [p.marked_at] : []));
}

/** A read_committed consumer of a topic from its end, each value parsed, with its record's CreateTime. */
async function tap(topic: string, onValue: (v: Record<string, unknown>, createTime: number) => void) {
  const consumer = kafka.consumer({ groupId: `bench-hops-${topic}-${Date.now()}`, maxWaitTimeInMs: 100 });
  let fetched = false;
  consumer.on(consumer.events.FETCH, () => {
    fetched = true;
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) onValue(JSON.parse(message.value.toString()) as Record<string, unknown>, Number(message.timestamp));
    },
  });
  for (const deadline = Date.now() + 30_000; !fetched; ) {
    if (Date.now() > deadline) throw new Error(`the tap of ${topic} did not join its group within 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return consumer;
}
