/**
 * Ingest: ticks/s price-ingest accepts over HTTP (202 once Kafka acknowledged them), as JSON
 * arrays of 100 and of 1,000 and as NDJSON bodies of 1,000, from concurrent clients; against
 * kafkajs producing the same messages (same key, value and header) directly, with the producer
 * settings of the service (idempotent, acks from all in-sync replicas, one request in flight,
 * no compression), the same number per send and the same concurrency.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type OutgoingMessage, TOPICS } from '@cpt/messaging';
import { CompressionTypes, Partitioners } from 'kafkajs';
import { percentiles, progress } from './lib/bench-env.js';
import { type BenchContext, cpuSampler } from './lib/context.js';
import { type FeedTick, ndjson, postTicks, tickMessage, tickStream } from './lib/ticks.js';

interface Series {
  name: string;
  perRequest: number;
  format: 'json' | 'ndjson';
}

const SERIES: Series[] = [
  { name: 'JSON arrays of 100', perRequest: 100, format: 'json' },
  { name: 'JSON arrays of 1,000', perRequest: 1000, format: 'json' },
  { name: 'NDJSON, 1,000 a request', perRequest: 1000, format: 'ndjson' },
];

/** Runs `work` over the items from `clients` concurrent loops; returns the seconds and each item's ms. */
async function concurrently<T>(items: readonly T[], clients: number, work: (item: T) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        const s = performance.now();
        await work(item);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, latencies };
}

export async function ingestStage(ctx: BenchContext): Promise<void> {
  const { opts } = ctx;
  const ingest = await ctx.services.start('price-ingest');
  const producer = ctx.kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const next = tickStream(opts.symbols, opts.seed);
  const details: Record<string, unknown> = {};
  try {
    for (const s of SERIES) {
      const requests = Math.max(1, Math.round(opts.ingestTicks / s.perRequest));
      const warmup = Math.max(opts.ingestClients * 2, Math.round(requests / 20));
      const batches: FeedTick[][] = Array.from({ length: requests + warmup }, () => next(s.perRequest));
      const bodies = batches.map((b) => (s.format === 'json' ? JSON.stringify(b) : ndjson(b)));
      const contentType = s.format === 'json' ? 'application/json' : 'application/x-ndjson';
      const now = new Date().toISOString();
      const messages: OutgoingMessage[][] = batches.map((b) => {
        const requestId = randomUUID();
        return b.map((t) => tickMessage(t, requestId, now));
      });
      const send = (m: OutgoingMessage[]) =>
        producer.send({ topic: TOPICS.ticks, acks: -1, compression: CompressionTypes.None, messages: m }).then(() => undefined);

      progress(`ingest: ${s.name}, ${requests * s.perRequest} ticks over HTTP from ${opts.ingestClients} clients`);
      const key = ctx.key.key;
      await concurrently(bodies.slice(0, warmup), opts.ingestClients, (b) => postTicks(ingest.url, key, b, contentType));
      const cpu = cpuSampler(ctx);
      cpu.begin();
      const http = await concurrently(bodies.slice(warmup), opts.ingestClients, (b) => postTicks(ingest.url, key, b, contentType));
      const httpCpu = cpu.end();
      progress(`ingest: ${s.name}, the same ticks produced by kafkajs directly`);
      await concurrently(messages.slice(0, warmup), opts.ingestClients, send);
      cpu.begin();
      const direct = await concurrently(messages.slice(warmup), opts.ingestClients, send);
      const directCpu = cpu.end();

      const ticks = requests * s.perRequest;
      const value = ticks / http.seconds;
      const baseline = ticks / direct.seconds;
      ctx.figures.push({
        stage: 'ingest',
        name: `${s.name}, ${opts.ingestClients} clients`,
        value,
        unit: 'ticks/s',
        baseline: { name: 'kafkajs producer, same messages and acks', value: baseline },
        target: { text: '≥ 60% of the direct producer', met: value >= 0.6 * baseline },
        cpu: httpCpu,
      });
      details[s.name] = {
        ticks,
        http: { ticksPerSecond: value, requestMs: percentiles(http.latencies), cpu: httpCpu },
        direct: { ticksPerSecond: baseline, sendMs: percentiles(direct.latencies), cpu: directCpu },
      };
      progress(`ingest: ${s.name}: ${Math.round(value)} ticks/s over HTTP, ${Math.round(baseline)} ticks/s direct`);
    }
  } finally {
    await producer.disconnect();
  }
  ctx.details.ingest = details;
}
