/**
 * End to end, with the three services, PostgreSQL, Kafka and the WebSocket subscribers of the
 * scenario on the one machine. Ticks of the seeded walk are posted over HTTP at a fixed rate,
 * stamped with the time of posting, whatever the answers.
 * - Latency: a request every 10 ms, as a feed that forwards its ticks at once posts them; a
 *   subscriber's `campaign_updated` arrival minus the stamp of the tick that marked it (its
 *   `totals.as_of`), over every delivery to every subscriber, at each fixed rate.
 * - Sustained rate: the highest rate at which the lag stays bounded (see `SUSTAINED`), the ticks
 *   posted in the shape of the ingest baseline it is compared with (`THROUGHPUT`).
 */
import { performance } from 'node:perf_hooks';
import { percentiles, progress } from './lib/bench-env.js';
import {
  type BenchContext,
  commitsSince,
  cpuSampler,
  loggedAt,
  outboxBacklog,
  positionService,
  sleep,
  tickCounts,
  tickLag,
} from './lib/context.js';
import { type LagSample, lagAtCommits, outboxBetweenCommits, type Point, slope } from './lib/lag.js';
import { type FeedTick, ndjson, postTicks, tickStream } from './lib/ticks.js';
import { type Subscribers, startSubscribers } from './lib/ws-subscribers.js';

export const SUSTAINED = [
  'Sustained: the rate is offered as NDJSON, a request every 100 ms of at most 1,000 ticks (more requests when the rate',
  'needs them), the shape of the best ingest series, for a warm-up (3 s; 1 s with --quick, extended until the position service has',
  'committed 3 batches, at most 8 windows), then a window (10 s; 5 s with --quick, extended up to 8 times',
  'until it holds 4 commits of the position service) during which the ticks written to market.ticks, the ticks the',
  'position service has marked (from its per-batch log lines) and the outbox backlog (events recorded, not yet on',
  'Kafka) are sampled every 250 ms. The rate is sustained when price-ingest accepted (202) at least 97% of the ticks',
  'offered in the window, never had 0.64 s of ticks unanswered, the window holds at least 4 commits,',
  'and neither the tick lag at each commit (the ticks written then, less those marked) nor the outbox backlog',
  '(its lowest sample between two commits) grows by more than 5% of its input rate (ticks/s offered; events/s',
  'recorded), by the least-squares slope from commit to commit: the lag is a saw tooth whose period is a batch,',
  'seconds long at 100,000 open positions, and judged at its bottoms it says whether it grows wherever the window cuts it.',
].join(' ');

/**
 * Commits a window must hold to judge the lag at them, and how far it may extend to hold them; the
 * commits the warm-up must hold (it extends as far) for the batches to reach their size at the rate.
 */
const MIN_COMMITS = 4;
const WINDOW_EXTENSION = 8;
const WARMUP_COMMITS = 3;

/** How the ticks of a rate are posted. */
export interface RequestShape {
  /** A request every `intervalMs`, of the ticks due by then… */
  intervalMs: number;
  /** …in requests of at most `maxTicks`, as many as it takes. */
  maxTicks: number;
  format: 'json' | 'ndjson';
}

/**
 * The latency stage's shape: a request every 10 ms, as a feed that forwards each tick at once
 * posts them (at 100 ticks/s, one tick a request).
 */
export const LATENCY: RequestShape = { intervalMs: 10, maxTicks: 10_000, format: 'json' };

/**
 * The sustained-rate stages' shape: NDJSON of up to 1,000 ticks a request, the ingest series the
 * sustained rate is judged against, a request at least every 100 ms. A request costs the machine
 * about as much whatever its ticks (the HTTP exchange, the key, a Kafka transaction of several
 * round trips): at a request every 10 ms the requests alone took half of this machine's two cores,
 * and the ratio to ingest alone measured that rather than the pipeline.
 */
export const THROUGHPUT: RequestShape = { intervalMs: 100, maxTicks: 1_000, format: 'ndjson' };

/** Ticks unanswered (sent, no answer yet) past which the generator waits: this many seconds of the rate. */
const MAX_IN_FLIGHT_SECONDS = 0.64;

interface Offered {
  /** Ticks accepted (202), with the time their request was sent. */
  accepted: { at: number; n: number }[];
  /** When requests that were not answered 202 were sent. */
  failures: number[];
  /** Moments the generator waited because 0.64 s of ticks were unanswered. */
  stalls: number[];
}

const within = (times: readonly number[], from: number, to: number) => times.filter((t) => t >= from && t <= to).length;

/**
 * Posts `rate` ticks/s for `seconds` (or until `until.stop`) with the API key in the given shape,
 * without waiting for the answers; while 0.64 s of ticks are unanswered it waits (a stall), and
 * the ticks due meanwhile go with the next requests.
 */
async function offer(
  ingestUrl: string,
  key: string,
  rate: number,
  seconds: number,
  next: (n: number) => FeedTick[],
  shape: RequestShape,
  until: { stop: boolean } = { stop: false },
): Promise<Offered> {
  const out: Offered = { accepted: [], failures: [], stalls: [] };
  const pending = new Set<Promise<void>>();
  const maxInFlight = Math.max(1, Math.ceil(rate * MAX_IN_FLIGHT_SECONDS));
  const contentType = shape.format === 'json' ? 'application/json' : 'application/x-ndjson';
  const start = performance.now();
  let sent = 0;
  let inFlight = 0;
  while (performance.now() - start < seconds * 1000 && !until.stop) {
    let due = Math.floor(((performance.now() - start) / 1000) * rate) - sent;
    while (due > 0) {
      if (inFlight >= maxInFlight) {
        out.stalls.push(performance.now());
        break;
      }
      const n = Math.min(due, shape.maxTicks);
      const ticks = next(n);
      const at = performance.now();
      const p = postTicks(ingestUrl, key, shape.format === 'json' ? JSON.stringify(ticks) : ndjson(ticks), contentType)
        .then(() => void out.accepted.push({ at, n }))
        .catch(() => void out.failures.push(at))
        .finally(() => {
          pending.delete(p);
          inFlight -= n;
        });
      pending.add(p);
      inFlight += n;
      sent += n;
      due -= n;
    }
    await sleep(Math.max(1, shape.intervalMs - ((performance.now() - start) % shape.intervalMs)));
  }
  await Promise.all(pending);
  return out;
}

/** The three services, started once for the end-to-end stages. */
export async function pipeline(ctx: BenchContext) {
  const ingest = await ctx.services.start('price-ingest');
  const position = await positionService(ctx);
  const gateway = await ctx.services.start('gateway');
  return { ingest, position, gateway };
}

/**
 * The scenario's subscribers, connected once for the end-to-end stages: subscriber i follows
 * campaigns i·k … i·k+k-1 (mod the campaigns).
 */
async function scenarioSubscribers(ctx: BenchContext, gatewayUrl: string): Promise<Subscribers> {
  if (ctx.subscribers) return ctx.subscribers;
  ctx.subscribers = await followingSubscribers(
    ctx,
    gatewayUrl,
    ctx.campaigns.map((c) => c.id),
  );
  return ctx.subscribers;
}

/** `--subscribers` WebSocket subscribers of `ids`: subscriber i follows ids i·k … i·k+k-1 (mod their number). */
export async function followingSubscribers(ctx: BenchContext, gatewayUrl: string, ids: readonly string[]): Promise<Subscribers> {
  const { subscribers, campaignsPerSubscriber: k } = ctx.opts;
  const subscriptions = Array.from({ length: subscribers }, (_, i) =>
    Array.from({ length: k }, (_, j) => ids[(i * k + j) % ids.length] as string),
  );
  progress(`end to end: connecting ${subscribers} WebSocket subscribers, ${k} campaigns each`);
  const subs = await startSubscribers(`${gatewayUrl.replace('http', 'ws')}/api/v1/ws`, ctx.key.key, subscriptions, true);
  progress(`end to end: subscribers connected in ${(subs.connectMs / 1000).toFixed(1)} s`);
  return subs;
}

/** Waits until every tick is marked and every event published (at most `ms`); false when it did not happen. */
async function drain(ctx: BenchContext, position: Awaited<ReturnType<typeof positionService>>, ms = 60_000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if ((await tickLag(ctx, position)) === 0 && (await outboxBacklog(ctx)) === 0) return true;
    await sleep(250);
  }
  return false;
}

export async function latencyStage(ctx: BenchContext): Promise<void> {
  const { ingest, position, gateway } = await pipeline(ctx);
  const subs = await scenarioSubscribers(ctx, gateway.url);
  const next = tickStream(ctx.opts.symbols, ctx.opts.seed + 2);
  const details: Record<string, unknown> = {};
  for (const rate of ctx.opts.latencyRates) {
    const warmup = ctx.opts.quick ? 1 : 3;
    progress(`latency: ${rate} ticks/s for ${warmup} + ${ctx.opts.latencySeconds} s`);
    const run = offer(ingest.url, ctx.key.key, rate, warmup + ctx.opts.latencySeconds, next, LATENCY);
    await sleep(warmup * 1000);
    // Deliveries are recorded over the rest of the run and a second more, for the last ticks' updates.
    const window = subs.measure(ctx.opts.latencySeconds * 1000 + 1000, true);
    const cpu = cpuSampler(ctx);
    cpu.begin();
    const offered = await run;
    const used = cpu.end();
    const stats = await window;
    const lat = percentiles(stats.latencies, [50, 99, 99.9]);
    details[String(rate)] = {
      deliveries: stats.updates,
      latencyMs: lat,
      failures: offered.failures.length,
      stalls: offered.stalls.length,
      openSubscribers: stats.open,
      errors: stats.errors,
      cpu: used,
    };
    progress(
      `latency: ${rate} ticks/s: p50 ${lat.p50?.toFixed(1)} ms, p99 ${lat.p99?.toFixed(1)} ms, p99.9 ${lat['p99.9']?.toFixed(1)} ms over ${lat.n} deliveries`,
    );
    for (const p of ['p50', 'p99', 'p99.9'] as const) {
      const value = lat[p] ?? Number.NaN;
      const limit = rate === 1000 ? ({ p50: 15, p99: 50 } as Record<string, number>)[p] : undefined;
      ctx.figures.push({
        stage: 'end to end',
        name: `tick → WebSocket ${p} at ${rate.toLocaleString('en-US')} ticks/s`,
        value,
        unit: 'ms',
        ...(limit !== undefined ? { target: { text: `≤ ${limit} ms`, met: value <= limit } } : {}),
        ...(p === 'p50' ? { note: `${lat.n} deliveries to ${stats.open} subscribers`, cpu: used } : {}),
      });
    }
    if (!(await drain(ctx, position))) progress('latency: the pipeline did not drain within 60 s');
  }
  ctx.details.latency = details;
}

export interface Step {
  rate: number;
  sustained: boolean;
  why: string[];
  acceptedPerSecond: number;
  /** Ticks/s the lag grew from commit to commit, and events/s the outbox backlog did. */
  lagSlope: number;
  outboxSlope: number;
  eventsPerSecond: number;
  stalls: number;
  failures: number;
  cpu: Record<string, number>;
  /** The window's length (s): extended past the nominal one until it held enough commits. */
  seconds: number;
  lag: { t: number; ticks: number; outbox: number }[];
  /** The tick lag at each commit, and the outbox backlog between commits, that the verdict judged. */
  atCommits: Point[];
  outboxBetweenCommits: Point[];
  /**
   * The verdict as it was until 2026-12-01: the slope of every sample of the nominal window, for
   * the record (it reads the saw tooth of long batches as growth or as shrinking).
   */
  bySamples: { lagSlope: number; outboxSlope: number; sustained: boolean };
  drained: boolean;
}

async function step(
  ctx: BenchContext,
  rate: number,
  services: Awaited<ReturnType<typeof pipeline>>,
  next: (n: number) => FeedTick[],
): Promise<Step> {
  const { ingest, position } = services;
  const warmup = ctx.opts.quick ? 1 : 3;
  const window = ctx.opts.sustainWindowSeconds;
  const longest = window * WINDOW_EXTENSION;
  // The offer runs a second past the window, so that the whole window is offered the rate.
  const offering = { stop: false };
  const offered0 = performance.timeOrigin + performance.now();
  const run = offer(ingest.url, ctx.key.key, rate, 2 * longest + 1, next, THROUGHPUT, offering);
  await sleep(warmup * 1000);
  // A batch is as large as the ticks that came while the one before ran: from a drained pipeline,
  // the first few are small. At 100,000 positions a batch takes seconds, so the warm-up lasts
  // until a few have committed.
  while (
    commitsLogged(position, offered0, Number.POSITIVE_INFINITY) < WARMUP_COMMITS &&
    performance.timeOrigin + performance.now() - offered0 < longest * 1000
  ) {
    await sleep(250);
  }
  const cpu = cpuSampler(ctx);
  cpu.begin();
  const w0 = performance.now();
  const w0Ms = performance.timeOrigin + w0;
  const samples: LagSample[] = [];
  // Commits logged in the window up to its last sample (the lag at a commit needs a sample after it).
  const commitsInWindow = () => {
    const last = samples.at(-1);
    return last ? commitsLogged(position, w0Ms, w0Ms + last.t * 1000) : 0;
  };
  for (;;) {
    const elapsed = (performance.now() - w0) / 1000;
    if (elapsed >= window && (elapsed >= longest || commitsInWindow() >= MIN_COMMITS)) break;
    const [counts, outbox] = await Promise.all([tickCounts(ctx, position), outboxBacklog(ctx)]);
    samples.push({ t: (performance.now() - w0) / 1000, ...counts, outbox });
    await sleep(250);
  }
  const w1 = performance.now();
  const used = cpu.end();
  setTimeout(() => {
    offering.stop = true;
  }, 1000);
  const eventsPerSecond = eventsLogged(position, w0Ms, performance.timeOrigin + w1) / ((w1 - w0) / 1000);
  const offered = await run;
  const accepted = offered.accepted.filter((a) => a.at >= w0 && a.at <= w1).reduce((a, b) => a + b.n, 0) / ((w1 - w0) / 1000);
  const commits = commitsSince(ctx, position, w0Ms).map((c) => ({ t: (c.atMs - w0Ms) / 1000, marked: c.marked }));
  const atCommits = lagAtCommits(samples, commits);
  const outboxAt = outboxBetweenCommits(samples, commits);
  const lagSlope = slope(atCommits);
  const outboxSlope = slope(outboxAt);
  const stalls = within(offered.stalls, w0, w1);
  const failures = within(offered.failures, w0, w1);
  const answering: string[] = [];
  if (accepted < 0.97 * rate) answering.push(`price-ingest accepted ${Math.round(accepted)} ticks/s`);
  if (stalls > 0) answering.push(`price-ingest left 0.64 s of ticks unanswered ${stalls} times`);
  if (failures > 0) answering.push(`${failures} requests failed`);
  const outboxLimit = Math.max(1, 0.05 * eventsPerSecond);
  const why = [...answering];
  if (atCommits.length < MIN_COMMITS) why.push(`${atCommits.length} commits of marks in ${((w1 - w0) / 1000).toFixed(0)} s`);
  else if (lagSlope > 0.05 * rate) why.push(`tick lag grew ${Math.round(lagSlope)} ticks/s from commit to commit`);
  if (outboxAt.length >= 2 && outboxSlope > outboxLimit) why.push(`outbox backlog grew ${Math.round(outboxSlope)} events/s`);
  // The verdict of every sample of the nominal window, as before, for the record.
  const nominal = samples.filter((x) => x.t <= window);
  const lagBySamples = slope(nominal.map((x) => ({ t: x.t, y: x.written - x.marked })));
  const outboxBySamples = slope(nominal.map((x) => ({ t: x.t, y: x.outbox })));
  const bySamples = {
    lagSlope: lagBySamples,
    outboxSlope: outboxBySamples,
    sustained: answering.length === 0 && lagBySamples <= 0.05 * rate && outboxBySamples <= outboxLimit,
  };
  const drained = await drain(ctx, position, 120_000);
  return {
    rate,
    sustained: why.length === 0,
    why,
    acceptedPerSecond: accepted,
    lagSlope,
    outboxSlope,
    eventsPerSecond,
    stalls,
    failures,
    cpu: used,
    seconds: (w1 - w0) / 1000,
    lag: samples.map((x) => ({ t: x.t, ticks: x.written - x.marked, outbox: x.outbox })),
    atCommits,
    outboxBetweenCommits: outboxAt,
    bySamples,
    drained,
  };
}

/**
 * The sum of `count` over the position service's commits of marks logged from `fromMs` to `toMs`
 * (epoch ms), read from the newest line back: the process keeps its last 20,000 lines, so a total
 * since it started would lose the oldest.
 */
function sumLogged(
  position: Awaited<ReturnType<typeof positionService>>,
  fromMs: number,
  toMs: number,
  count: (l: Record<string, unknown>) => number,
): number {
  let n = 0;
  for (let i = position.logs.length - 1; i >= 0; i--) {
    const l = position.logs[i] as Record<string, unknown>;
    if (l.msg !== 'marks committed') continue;
    const atMs = loggedAt(l);
    if (atMs < fromMs) break;
    if (atMs <= toMs) n += count(l);
  }
  return n;
}

/** The position service's commits of marks logged from `fromMs` to `toMs`. */
const commitsLogged = (position: Awaited<ReturnType<typeof positionService>>, fromMs: number, toMs: number) =>
  sumLogged(position, fromMs, toMs, () => 1);

/** Campaign events they recorded (one a campaign a commit marked). */
const eventsLogged = (position: Awaited<ReturnType<typeof positionService>>, fromMs: number, toMs: number) =>
  sumLogged(position, fromMs, toMs, (l) => l.campaigns as number);

/** The outcome of a search for the highest sustained rate. */
export interface Search {
  /** The highest rate sustained (0: none), and the lowest not sustained (Infinity: none). */
  pass: number;
  fail: number;
  steps: Step[];
}

/**
 * The highest sustained rate, searched from `startRate`: doubled until a rate is not sustained,
 * halved until one is, then bisected, each rate rounded to `grain` ticks/s; `maxSteps` rates at most.
 */
export async function searchSustained(
  ctx: BenchContext,
  services: Awaited<ReturnType<typeof pipeline>>,
  next: (n: number) => FeedTick[],
  startRate: number,
  maxSteps: number,
  label = 'sustain',
  grain = 250,
  /** While nothing is sustained, each rate is the last divided by this. */
  descent = 2,
): Promise<Search> {
  const steps: Step[] = [];
  let rate = startRate;
  let pass = 0;
  let fail = Number.POSITIVE_INFINITY;
  for (let i = 0; i < maxSteps; i++) {
    progress(`${label}: step ${i + 1}/${maxSteps}, offering ${rate} ticks/s`);
    const s = await step(ctx, rate, services, next);
    steps.push(s);
    progress(
      `${label}: ${rate} ticks/s ${s.sustained ? 'sustained' : `not sustained (${s.why.join('; ')})`}; over ${s.seconds.toFixed(0)} s, ${s.atCommits.length} commits: lag slope ${Math.round(s.lagSlope)} ticks/s, outbox slope ${Math.round(s.outboxSlope)} events/s, ${s.stalls} stalls; by every sample of the first ${ctx.opts.sustainWindowSeconds} s ${s.bySamples.sustained ? 'sustained' : 'not'} (lag slope ${Math.round(s.bySamples.lagSlope)})`,
    );
    if (s.sustained) pass = Math.max(pass, rate);
    else fail = Math.min(fail, rate);
    const nextRate = fail === Number.POSITIVE_INFINITY ? rate * 2 : pass === 0 ? rate / descent : (pass + fail) / 2;
    rate = Math.max(Math.min(100, grain), Math.round(nextRate / grain) * grain);
    if (rate === pass || rate === fail) break;
  }
  return { pass, fail, steps };
}

/** `first rate not sustained …`, and the CPU of the rate sustained. */
export const searchNote = (s: Search) => ({
  note: `${s.steps.length} steps; first rate not sustained ${s.fail === Number.POSITIVE_INFINITY ? 'none' : s.fail.toLocaleString('en-US')}`,
  ...(s.steps.find((x) => x.rate === s.pass) ? { cpu: s.steps.find((x) => x.rate === s.pass)?.cpu } : {}),
});

export async function sustainStage(ctx: BenchContext): Promise<void> {
  const services = await pipeline(ctx);
  await scenarioSubscribers(ctx, services.gateway.url);
  const next = tickStream(ctx.opts.symbols, ctx.opts.seed + 3);
  const search = await searchSustained(ctx, services, next, ctx.opts.sustainStartRate, ctx.opts.sustainSteps);
  // Issue 14: at least 0.7× of ingest alone in the same run (its best figure over HTTP).
  const ingest = ctx.figures.filter((f) => f.stage === 'ingest' && f.unit === 'ticks/s');
  const best = ingest.reduce<(typeof ingest)[number] | undefined>((a, f) => (a === undefined || f.value > a.value ? f : a), undefined);
  ctx.figures.push({
    stage: 'end to end',
    name: 'highest sustained rate, bounded lag',
    value: search.pass,
    unit: 'ticks/s',
    ...(best
      ? {
          baseline: { name: `ingest alone (${best.name})`, value: best.value },
          target: { text: '≥ 0.7× of ingest alone', met: search.pass >= 0.7 * best.value },
        }
      : {}),
    ...searchNote(search),
  });
  ctx.details.sustain = { definition: SUSTAINED, steps: search.steps };
}
