import type { MikroORM } from '@cpt/application';
import { TOPICS } from '@cpt/messaging';
import type { Admin, Kafka } from 'kafkajs';
import type { TestKey } from '../../libs/testkit/src/access.js';
import type { RunningService } from '../../libs/testkit/src/services.js';
import { endOffsets, setGroupOffsets } from './bench-kafka.js';
import type { BenchServices } from './bench-services.js';
import { CpuSampler, type ProcessMatcher, pidOnPort } from './cpu.js';
import type { BenchOptions } from './options.js';
import type { Figure } from './report.js';
import type { Subscribers } from './ws-subscribers.js';

/** What every stage works with. */
export interface BenchContext {
  opts: BenchOptions;
  kafka: Kafka;
  /** A connected admin client of the benchmark's broker. */
  admin: Admin;
  brokers: string[];
  databaseUrl: string;
  orm: MikroORM;
  /** The run's API key (all scopes): every HTTP and WebSocket client presents it; the campaigns are its account's. */
  key: TestKey;
  /** The scenario's campaigns (campaign i trades symbol i), in seed order. */
  campaigns: { id: string; symbol: string }[];
  positionsPerCampaign: number;
  services: BenchServices;
  figures: Figure[];
  /** Raw data of each stage, for the JSON file. */
  details: Record<string, unknown>;
  /** The consumer group of the position service (one per run), and where it started. */
  positionGroup: string;
  positionStart: Map<number, bigint>;
  /** The scenario's WebSocket subscribers, while the end-to-end stages use them. */
  subscribers?: Subscribers | undefined;
}

/**
 * The position service, its group starting at `start` in `market.ticks`, by default at the
 * current end: what earlier stages wrote there is not its work.
 */
export async function positionService(ctx: BenchContext, start?: Map<number, bigint>): Promise<RunningService> {
  const running = ctx.services.get('position');
  if (running) return running;
  ctx.positionStart = start ?? (await endOffsets(ctx.admin, TOPICS.ticks));
  await setGroupOffsets(ctx.admin, ctx.positionGroup, TOPICS.ticks, ctx.positionStart);
  return ctx.services.start('position', { CONSUMER_GROUP: ctx.positionGroup });
}

/** The batches of one `marks committed` line: its own partition and offsets, or those it merged (`batches`). */
export function committedBatches(l: Record<string, unknown>): { partition: number; firstOffset: string; lastOffset: string }[] {
  const merged = l.batches as { partition: number; firstOffset: string; lastOffset: string }[] | undefined;
  return merged ?? [{ partition: l.partition as number, firstOffset: l.firstOffset as string, lastOffset: l.lastOffset as string }];
}

/**
 * The next offset the position service has yet to mark, per partition, from its `marks committed`
 * log lines (one per transaction, after it commits, naming the batch or batches it marked).
 */
export function markedOffsets(position: RunningService): Map<number, bigint> {
  const done = new Map<number, bigint>();
  for (const l of position.logs) if (l.msg === 'marks committed') markPast(done, l);
  return done;
}

/** Moves `done` (per partition, the next offset to mark) past the batches of one `marks committed` line. */
function markPast(done: Map<number, bigint>, l: Record<string, unknown>): void {
  for (const b of committedBatches(l)) {
    const next = BigInt(b.lastOffset) + 1n;
    if ((done.get(b.partition) ?? -1n) < next) done.set(b.partition, next);
  }
}

/** When a service logged a line (pino's ISO `time`), in epoch ms. */
export const loggedAt = (l: Record<string, unknown>): number => Date.parse(String(l.time));

/** Ticks in `market.ticks` the position service has not marked yet. */
export async function tickLag(ctx: BenchContext, position: RunningService): Promise<number> {
  const { written, marked } = await tickCounts(ctx, position);
  return written - marked;
}

/**
 * Ticks written to `market.ticks` so far (the sum of its partitions' end offsets), and the ticks
 * the position service has marked (the sum of the next offsets it has yet to mark, from where it
 * started): their difference is the tick lag.
 */
export async function tickCounts(ctx: BenchContext, position: RunningService): Promise<{ written: number; marked: number }> {
  const ends = await endOffsets(ctx.admin, TOPICS.ticks);
  const done = markedOffsets(position);
  let written = 0n;
  let marked = 0n;
  for (const [p, end] of ends) {
    written += end;
    marked += done.get(p) ?? ctx.positionStart.get(p) ?? 0n;
  }
  return { written: Number(written), marked: Number(marked) };
}

/**
 * The position service's commits of marks since `sinceMs` (epoch ms): when each was logged
 * (`time`, epoch ms) and the ticks marked once it committed, counted as {@link tickCounts} counts them.
 */
export function commitsSince(ctx: BenchContext, position: RunningService, sinceMs: number): { atMs: number; marked: number }[] {
  const done = new Map(ctx.positionStart);
  const out: { atMs: number; marked: number }[] = [];
  for (const l of position.logs) {
    if (l.msg !== 'marks committed') continue;
    markPast(done, l);
    const atMs = loggedAt(l);
    if (atMs < sinceMs) continue;
    let marked = 0n;
    for (const n of done.values()) marked += n;
    out.push({ atMs, marked: Number(marked) });
  }
  return out;
}

/** Events recorded in the outbox and not yet published. */
export async function outboxBacklog(ctx: BenchContext): Promise<number> {
  const [row] = (await ctx.orm.em.fork().execute('select coalesce(max(id) - min(id) + 1, 0)::int as n from campaign_events')) as {
    n: number;
  }[];
  return row?.n ?? 0;
}

/**
 * A CPU sampler over the services running now, the bench database's backends, the broker and the
 * load generators, and the `extra` components a stage adds.
 */
export function cpuSampler(ctx: BenchContext, extra: Record<string, ProcessMatcher> = {}): CpuSampler {
  const components: Record<string, ProcessMatcher> = {};
  for (const name of ['price-ingest', 'position', 'gateway'] as const) {
    const s = ctx.services.get(name);
    const pid = s ? pidOnPort(Number(new URL(s.url).port)) : undefined;
    if (pid !== undefined) components[name] = { pid };
  }
  const database = ` ${new URL(ctx.databaseUrl).pathname.slice(1)} `;
  components.PostgreSQL = { cmdline: (c) => c.startsWith('postgres: ') && c.includes(database) };
  const broker = pidOnPort(Number(ctx.brokers[0]?.split(':')[1]));
  if (broker !== undefined) components.Kafka = { pid: broker };
  components['load generator'] = { pid: process.pid };
  components['WebSocket clients'] = { cmdline: (c) => c.includes('ws-clients.ts') };
  components['baseline servers'] = { cmdline: (c) => c.includes('canned-servers.ts') };
  return new CpuSampler({ ...components, ...extra });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
