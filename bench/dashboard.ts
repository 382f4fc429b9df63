/**
 * The dashboard (apps/dashboard, served by the gateway process) in headless Chromium:
 * - Bundle: gzip bytes of what loads before the first render (the entry script, its style sheet
 *   and their static imports), of every script and style sheet, and of the lazily loaded chunks.
 * - First render: from navigation start (`performance.timeOrigin`) to the moment the DOM holds
 *   every row of a 1,000-position campaign and its totals, each load in a fresh browser context
 *   (cold cache); against the same page showing a 10-position campaign, loads alternated.
 * - Frames: the 1,000-position campaign open while ticks of its symbol go through the whole
 *   pipeline (price-ingest → Kafka → position → gateway → WebSocket) at 100 a second, one POST
 *   each: the page's WebSocket messages, its requestAnimationFrame intervals and its long
 *   animation frames; against the same page over a quiet window (no ticks) of the same length.
 *   Then the same with the viewer's `prefers-reduced-motion: reduce` (cells do not flash).
 * The page has no hooks for this: bench/lib/page-probes.ts instruments it from the outside.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Browser, launchChromium } from '../libs/testkit/src/browser.js';
import { repoRoot } from '../libs/testkit/src/infra.js';
import type { RunningService } from '../libs/testkit/src/services.js';
import { percentiles, progress } from './lib/bench-env.js';
import { bundleSizes } from './lib/bundle-size.js';
import { type BenchContext, loggedAt, positionService, sleep } from './lib/context.js';
import {
  acceptedRate,
  frameWindow,
  loadOnce,
  type MeasuredWindow,
  type Offered,
  type OpenPage,
  openCampaign,
  PAGE_TIMEOUT_MS,
  profilePath,
  type Shown,
  tickDriver,
} from './lib/dashboard-page.js';
import type { FrameStats, FrameWindow, LoadProbe } from './lib/page-probes.js';
import type { Figure } from './lib/report.js';

/** The stage's two campaigns (seeded open positions on symbols of their own, which only this stage ticks). */
export interface DashboardCampaigns {
  large: { id: string; symbol: string; positions: number };
  small: { id: string; symbol: string; positions: number };
}

const STAGE = 'dashboard';
const SETTLE_MS = 2000;
/** How long the last tick's price may take to reach the page once the ticks stop (a check that the pipeline ran, not a figure). */
const LAST_PRICE_WAIT_MS = 10_000;

const kib = (bytes: number) => bytes / 1024;
const median = (xs: number[]) => percentiles(xs, [50]).p50 ?? Number.NaN;
const max = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), Number.NEGATIVE_INFINITY);
const ms = (xs: number[]) => xs.map((t) => t.toFixed(0)).join(', ');

function bundleFigures(ctx: BenchContext, buildOutput: string): void {
  const sizes = bundleSizes(join(repoRoot(), 'apps/dashboard/dist'));
  ctx.details.dashboard = { bundle: sizes };
  const printed = /loaded before the first render: gzip ([\d.]+) KiB/.exec(buildOutput)?.[1];
  if (printed !== undefined && Math.abs(Number(printed) - kib(sizes.first.gzip)) > 0.06)
    progress(
      `dashboard: the build printed ${printed} KiB before the first render; this stage counts ${kib(sizes.first.gzip).toFixed(1)} KiB`,
    );
  const first = sizes.files.filter((f) => f.first);
  const lazy = sizes.files.filter((f) => !f.first);
  progress(
    `dashboard: bundle gzip ${kib(sizes.first.gzip).toFixed(1)} KiB before the first render (${first.map((f) => f.file).join(', ')}), ${kib(sizes.all.gzip).toFixed(1)} KiB in all, ${kib(sizes.lazy.gzip).toFixed(1)} KiB lazily (${lazy.map((f) => f.file).join(', ')})`,
  );
  ctx.figures.push(
    {
      stage: STAGE,
      name: 'bundle loaded before the first render, gzip',
      value: kib(sizes.first.gzip),
      unit: 'KiB',
      note: `${first.length} files: the entry script, its style sheet${first.length > 2 ? ' and their static imports' : ''}; ${kib(sizes.first.bytes).toFixed(0)} KiB raw`,
    },
    {
      stage: STAGE,
      name: 'bundle, every script and style sheet, gzip',
      value: kib(sizes.all.gzip),
      unit: 'KiB',
      note: `${sizes.files.length} files, ${kib(sizes.all.bytes).toFixed(0)} KiB raw`,
    },
    {
      stage: STAGE,
      name: 'of which loaded lazily (the equity chart), gzip',
      value: kib(sizes.lazy.gzip),
      unit: 'KiB',
      note: `${lazy.length} file${lazy.length === 1 ? '' : 's'}, ${kib(sizes.lazy.bytes).toFixed(0)} KiB raw`,
    },
  );
}

async function firstRender(ctx: BenchContext, browser: Browser, origin: string, large: Shown, small: Shown, rest: number[]): Promise<void> {
  const loadsEach = ctx.opts.dashboardLoads;
  progress(`dashboard: Chromium ${browser.version()}; a warm-up load, then ${loadsEach} loads of each campaign, alternated`);
  const warmup = await loadOnce(browser, origin, ctx.key.key, large);
  const loads: Record<'large' | 'small', (LoadProbe & { problems: string[] })[]> = { large: [], small: [] };
  for (let i = 0; i < loadsEach; i++) {
    loads.large.push(await loadOnce(browser, origin, ctx.key.key, large));
    loads.small.push(await loadOnce(browser, origin, ctx.key.key, small));
  }
  Object.assign(ctx.details.dashboard as object, { restGetMs: rest, loads: { warmup, ...loads } });
  const problems = [warmup, ...loads.large, ...loads.small].flatMap((l) => l.problems);
  if (problems.length > 0) progress(`dashboard: the page reported ${problems.length} problems, first: ${problems[0]}`);
  const rendered = (k: 'large' | 'small') => loads[k].map((l) => l.rendered);
  const laidOut = (k: 'large' | 'small') => loads[k].map((l) => l.laidOut);
  const snapshot = loads.large.map((l) => l.snapshot ?? Number.NaN);
  progress(
    `dashboard: first render of ${large.rows} positions ${ms(rendered('large'))} ms (laid out ${ms(laidOut('large'))}; snapshot arrived ${ms(snapshot)}); ${small.rows} positions ${ms(rendered('small'))} ms; REST GET of ${large.rows} from Node p50 ${median(rest).toFixed(1)} ms`,
  );
  const n = large.rows.toLocaleString('en-US');
  const baseline = `the same page, ${small.rows} positions`;
  ctx.figures.push(
    {
      stage: STAGE,
      name: `first render of a ${n}-position campaign, median of ${loadsEach} loads`,
      value: median(rendered('large')),
      unit: 'ms',
      baseline: { name: baseline, value: median(rendered('small')) },
      note: `navigation start → DOM holds every row and the totals; its WebSocket snapshot arrived at ${median(snapshot).toFixed(0)} ms; REST GET of the ${n} from Node p50 ${median(rest).toFixed(1)} ms`,
    },
    {
      stage: STAGE,
      name: `first render of a ${n}-position campaign, max of ${loadsEach} loads`,
      value: max(rendered('large')),
      unit: 'ms',
      baseline: { name: baseline, value: max(rendered('small')) },
    },
    {
      stage: STAGE,
      name: `first render of a ${n}-position campaign with its layout, median`,
      value: median(laidOut('large')),
      unit: 'ms',
      baseline: { name: baseline, value: median(laidOut('small')) },
    },
  );
}

const describeStats = (s: FrameStats) =>
  `${s.updatesPerSecond.toFixed(1)} updates/s (${s.messagesPerSecond.toFixed(1)} messages/s, ${Math.round(s.kibPerSecond)} KiB/s; in each second ${s.updatesEachSecond.join(' ')}; age on arrival p50 ${(s.updateAgeMs.n ?? 0) > 0 ? `${s.updateAgeMs.p50?.toFixed(0)} ms` : '—'}), ${s.framesRendered} frames, ${s.framesDropped} dropped (${s.droppedPercent.toFixed(1)}% of ${s.framesExpected}), longest ${s.longestFrameMs.toFixed(0)} ms, ${s.longAnimationFrames} long animation frames (longest ${s.longestAnimationFrameMs.toFixed(0)} ms, blocking ${s.blockingMsPerSecond.toFixed(0)} ms/s)`;

const intervals = (w: FrameWindow) => w.frames.slice(1).map((t, i) => Math.round((t - (w.frames[i] as number)) * 10) / 10);
const raw = (m: MeasuredWindow) => ({ ...m.stats, cpu: m.cpu, frameIntervalsMs: intervals(m.window), longAnimationFrames: m.window.loaf });

/** The figures of a window with ticks, beside the quiet window; `brief`: without the frame counts (their share says it). */
function frameFigures(
  ctx: BenchContext,
  label: string,
  b: MeasuredWindow,
  q: FrameStats,
  flow: { accepted: number; batches: number },
  brief = false,
): Figure[] {
  const s = b.stats;
  const quiet = { name: `the same page, no ticks, ${ctx.opts.dashboardSeconds} s` };
  const updates: Figure = {
    stage: STAGE,
    name: `campaign_updated messages the page received ${label}`,
    value: s.updatesPerSecond,
    unit: 'updates/s',
    baseline: { ...quiet, value: q.updatesPerSecond },
    note: `${flow.accepted.toFixed(0)} ticks/s accepted by price-ingest, ${flow.batches.toFixed(1)} mark batches/s committed by the position service; ${Math.round(s.kibPerSecond)} KiB/s; ${Math.min(...s.updatesEachSecond)}–${Math.max(...s.updatesEachSecond)} in a second; age on arrival p50 ${s.updateAgeMs.p50?.toFixed(0)} ms, p99 ${s.updateAgeMs.p99?.toFixed(0)} ms`,
  };
  const rendered: Figure = {
    stage: STAGE,
    name: `frames rendered in ${ctx.opts.dashboardSeconds} s ${label}`,
    value: s.framesRendered,
    unit: 'frames',
    baseline: { ...quiet, value: q.framesRendered },
  };
  const dropped: Figure = {
    stage: STAGE,
    name: `frames dropped ${label}`,
    value: s.framesDropped,
    unit: 'frames',
    baseline: { ...quiet, value: q.framesDropped },
    note: `of ${s.framesExpected} at 60 Hz; quiet: of ${q.framesExpected}`,
  };
  const share: Figure = {
    stage: STAGE,
    name: `frames dropped ${label}, share of expected`,
    value: s.droppedPercent,
    unit: '%',
    baseline: { ...quiet, value: q.droppedPercent },
    ...(brief ? { note: `${s.framesDropped} of ${s.framesExpected}; ${s.framesRendered} rendered` } : {}),
  };
  const longest: Figure = {
    stage: STAGE,
    name: `longest frame ${label}`,
    value: s.longestFrameMs,
    unit: 'ms',
    baseline: { ...quiet, value: q.longestFrameMs },
  };
  const long: Figure = {
    stage: STAGE,
    name: `long animation frames (> 50 ms) ${label}`,
    value: s.longAnimationFrames,
    unit: 'frames',
    baseline: { ...quiet, value: q.longAnimationFrames },
    note: `longest ${s.longestAnimationFrameMs.toFixed(0)} ms, blocking ${s.blockingMsPerSecond.toFixed(0)} ms/s; quiet: longest ${q.longestAnimationFrameMs.toFixed(0)} ms`,
    cpu: b.cpu,
  };
  return brief ? [updates, share, longest, long] : [updates, rendered, dropped, share, longest, long];
}

async function frames(
  ctx: BenchContext,
  browser: Browser,
  origin: string,
  services: { ingest: RunningService; position: RunningService },
  large: Shown,
  symbol: string,
): Promise<void> {
  const { ingest, position } = services;
  const o = ctx.opts;
  const open = async (motion: 'reduce' | 'no-preference'): Promise<OpenPage> => {
    const p = await openCampaign(browser, origin, ctx.key.key, large, motion);
    await p.page.locator('[data-link="live"]').waitFor({ timeout: PAGE_TIMEOUT_MS });
    await sleep(SETTLE_MS);
    return p;
  };
  let page = await open('no-preference');
  try {
    progress(`dashboard: ${o.dashboardSeconds} s of frames with no ticks`);
    const quiet = await frameWindow(ctx, page, o.dashboardSeconds);
    progress(`dashboard: quiet: ${describeStats(quiet.stats)}`);

    progress(
      `dashboard: ${o.dashboardRate} ticks/s of ${symbol}, one POST each: ${SETTLE_MS / 1000} s, then ${o.dashboardSeconds} s of frames`,
    );
    const problems: string[] = [];
    const driver = tickDriver(ingest.url, ctx.key.key, symbol, o.dashboardRate);
    let ticking: MeasuredWindow;
    let still: MeasuredWindow;
    let offered: Offered;
    try {
      await sleep(SETTLE_MS);
      ticking = await frameWindow(ctx, page, o.dashboardSeconds, profilePath(o.profileDir, 'dashboard-ticking'));
      progress(`dashboard: ticking: ${describeStats(ticking.stats)}`);
      // The same with the viewer's reduced motion, which the page reads once at start: a page of its own.
      problems.push(...page.watch.problems());
      await page.context.close();
      progress('dashboard: the same campaign in a page with prefers-reduced-motion (no flashing cells), the ticks going on');
      page = await open('reduce');
      still = await frameWindow(ctx, page, o.dashboardSeconds, profilePath(o.profileDir, 'dashboard-ticking-reduced-motion'));
      progress(`dashboard: ticking, reduced motion: ${describeStats(still.stats)}`);
    } finally {
      offered = await driver.stop();
    }
    // The last tick's price reaches the page: the pipeline ran end to end.
    const lastPrice = `${offered.lastPrice}000000`;
    const t0 = performance.now();
    const reached = await page.page
      .locator('tbody tr[data-position-id] [data-field="current_price"]')
      .first()
      .filter({ hasText: lastPrice })
      .waitFor({ timeout: LAST_PRICE_WAIT_MS })
      .then(
        () => performance.now() - t0,
        () => undefined,
      );
    progress(
      reached === undefined
        ? `dashboard: the last tick's price ${lastPrice} did not reach the page within ${LAST_PRICE_WAIT_MS / 1000} s`
        : `dashboard: the last tick's price reached the page ${reached.toFixed(0)} ms after the ticks stopped`,
    );
    problems.push(...page.watch.problems());
    if (problems.length > 0) progress(`dashboard: the page reported ${problems.length} problems, first: ${problems[0]}`);
    // Each batch of the position service that marked the campaign records one update of it: what the page could get at most.
    const batches = (w: MeasuredWindow) => {
      const committed = position.logs.filter((l) => l.msg === 'marks committed' && Number(l.campaigns) > 0).map(loggedAt);
      return committed.filter((t) => t >= w.epoch.from && t <= w.epoch.to).length / ((w.epoch.to - w.epoch.from) / 1000);
    };
    const flow = { accepted: acceptedRate(offered, ticking), batches: batches(ticking) };
    const flowStill = { accepted: acceptedRate(offered, still), batches: batches(still) };
    Object.assign(ctx.details.dashboard as object, {
      frames: {
        rate: o.dashboardRate,
        offered: { sent: offered.sent, accepted: offered.acceptedAt.length, failures: offered.failures, skipped: offered.skipped },
        flow: { ticking: flow, reducedMotion: flowStill },
        lastPriceReachedPageMs: reached ?? null,
        problems,
        quiet: raw(quiet),
        ticking: raw(ticking),
        reducedMotion: raw(still),
      },
    });
    const at = `at ${o.dashboardRate} ticks/s`;
    ctx.figures.push(
      ...frameFigures(ctx, at, ticking, quiet.stats, flow),
      ...frameFigures(ctx, `${at}, reduced motion`, still, quiet.stats, flowStill, true),
    );
  } finally {
    await page.context.close();
  }
}

export async function dashboardStage(ctx: BenchContext, campaigns: DashboardCampaigns, buildOutput: string): Promise<void> {
  // 1. The bundle, as run.ts built it for the gateway.
  bundleFigures(ctx, buildOutput);

  const ingest = await ctx.services.start('price-ingest');
  const position = await positionService(ctx);
  const gateway = await ctx.services.start('gateway');
  const view = async (id: string) => {
    const t0 = performance.now();
    const res = await fetch(`${gateway.url}/api/v1/campaigns/${id}/positions`, { headers: ctx.key.headers });
    const body = (await res.json()) as { positions: unknown[]; total_shares: string };
    const took = performance.now() - t0;
    if (res.status !== 200) throw new Error(`GET …/campaigns/${id}/positions: ${res.status}`);
    return { took, shown: { id, rows: body.positions.length, totalShares: body.total_shares } };
  };
  // The REST read of the large campaign from Node, once to warm up, then as many times as the page loads.
  const reads = [];
  for (let i = 0; i <= ctx.opts.dashboardLoads; i++) reads.push(await view(campaigns.large.id));
  const large = reads[0]?.shown as Shown;
  const { shown: small } = await view(campaigns.small.id);
  if (large.rows !== campaigns.large.positions || small.rows !== campaigns.small.positions)
    throw new Error(
      `the campaigns hold ${large.rows} and ${small.rows} positions, not ${campaigns.large.positions} and ${campaigns.small.positions}`,
    );

  const browser = await launchChromium();
  try {
    // 2. Time to the first render.
    await firstRender(
      ctx,
      browser,
      new URL(gateway.url).origin,
      large,
      small,
      reads.slice(1).map((r) => r.took),
    );
    // 3. Frames while the campaign's symbol ticks.
    await frames(ctx, browser, new URL(gateway.url).origin, { ingest, position }, large, campaigns.large.symbol);
  } finally {
    await browser.close();
  }
}
