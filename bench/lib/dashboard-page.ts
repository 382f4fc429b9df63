import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Browser, type BrowserContext, type Page, type PageWatch, watchPage } from '../../libs/testkit/src/browser.js';
import { type BenchContext, cpuSampler, sleep } from './context.js';
import { descendants } from './cpu.js';
import {
  FRAMES_START,
  FRAMES_STOP,
  type FrameStats,
  type FrameWindow,
  frameStats,
  type LoadProbe,
  loadProbe,
  READ_LOAD,
} from './page-probes.js';
import { postTicks } from './ticks.js';

/** A campaign as the page must show it: its rows and the text of its total shares. */
export interface Shown {
  id: string;
  rows: number;
  totalShares: string;
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  probe: LoadProbe;
}

const VIEWPORT = { width: 1440, height: 900 };
export const PAGE_TIMEOUT_MS = 30_000;

/**
 * A page of a fresh browser context (empty cache) with the probe and the key, navigated to the
 * campaign `c`, once the probe saw its rows and totals. `reducedMotion` is the viewer's setting.
 */
export async function openCampaign(
  browser: Browser,
  origin: string,
  key: string,
  c: Shown,
  reducedMotion: 'reduce' | 'no-preference' = 'no-preference',
): Promise<OpenPage> {
  const context = await browser.newContext({ viewport: VIEWPORT, reducedMotion });
  try {
    await context.addInitScript({ content: loadProbe(origin, key, c.rows, c.totalShares) });
    const page = await context.newPage();
    const watch = await watchPage(page);
    await page.goto(`${origin}/#/campaigns/${c.id}`);
    // Polled from here: waitForFunction would compile the predicate in the page, which its CSP forbids.
    const deadline = performance.now() + PAGE_TIMEOUT_MS;
    for (;;) {
      const probe = (await page.evaluate(READ_LOAD)) as LoadProbe | null;
      if (probe) return { context, page, watch, probe };
      if (performance.now() > deadline)
        throw new Error(`the page did not show ${c.rows} rows and the totals within ${PAGE_TIMEOUT_MS} ms: ${watch.problems().join('; ')}`);
      await sleep(50);
    }
  } catch (err) {
    await context.close();
    throw err;
  }
}

/** One load of `c` in a fresh context, closed after. */
export async function loadOnce(browser: Browser, origin: string, key: string, c: Shown): Promise<LoadProbe & { problems: string[] }> {
  const { context, watch, probe } = await openCampaign(browser, origin, key, c);
  await context.close();
  return { ...probe, problems: watch.problems() };
}

export interface MeasuredWindow {
  window: FrameWindow;
  stats: FrameStats;
  cpu: Record<string, number>;
  /** When the window began and ended, in this process's clock, and in ms since the epoch (as log lines are stamped). */
  at: { from: number; to: number };
  epoch: { from: number; to: number };
}

/**
 * `seconds` of the page's frames, with the CPU of every component meanwhile (Chromium's processes
 * too). With `profileTo`, the page's main thread is profiled over the window and the profile
 * written there (V8's `.cpuprofile`, as the services' under --profile).
 */
export async function frameWindow(ctx: BenchContext, open: OpenPage, seconds: number, profileTo?: string): Promise<MeasuredWindow> {
  const cdp = profileTo ? await open.context.newCDPSession(open.page) : undefined;
  await cdp?.send('Profiler.enable');
  await cdp?.send('Profiler.start');
  const cpu = cpuSampler(ctx, { Chromium: { pids: () => descendants(process.pid, (c) => c.includes('chromium')) } });
  cpu.begin();
  const from = performance.now();
  const epochFrom = Date.now();
  if (!(await open.page.evaluate(FRAMES_START))) throw new Error('this Chromium reports no long-animation-frame entries');
  await sleep(seconds * 1000);
  const window = (await open.page.evaluate(FRAMES_STOP)) as FrameWindow;
  const to = performance.now();
  const epochTo = Date.now();
  const used = cpu.end();
  if (cdp && profileTo) {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(resolve(profileTo, '..'), { recursive: true });
    writeFileSync(profileTo, JSON.stringify(profile));
    await cdp.detach();
  }
  return { window, stats: frameStats(window), cpu: used, at: { from, to }, epoch: { from: epochFrom, to: epochTo } };
}

export const profilePath = (dir: string | undefined, name: string): string | undefined =>
  dir ? join(resolve(dir), 'chromium', `${name}.cpuprofile`) : undefined;

export interface Offered {
  sent: number;
  /** When each accepted tick's POST was sent (performance.now() of this process). */
  acceptedAt: number[];
  failures: number;
  /** Ticks not sent because 64 were unanswered. */
  skipped: number;
  lastPrice: string;
}

const MAX_IN_FLIGHT = 64;

/**
 * Posts ticks of `symbol` at `rate` a second until stopped, one tick per POST, each with a new
 * price (a saw-tooth from 100.00 up by a cent a tick) and stamped with the time it is sent
 * (strictly increasing), without waiting for the answers.
 */
export function tickDriver(ingestUrl: string, key: string, symbol: string, rate: number): { stop: () => Promise<Offered> } {
  let running = true;
  const out: Offered = { sent: 0, acceptedAt: [], failures: 0, skipped: 0, lastPrice: '' };
  const done = (async () => {
    const pending = new Set<Promise<void>>();
    const start = performance.now();
    let lastTs = 0;
    let due = 0;
    while (running) {
      for (; due < Math.floor(((performance.now() - start) / 1000) * rate); due++) {
        if (pending.size >= MAX_IN_FLIGHT) {
          out.skipped++;
          continue;
        }
        const ts = Math.max(Date.now(), lastTs + 1);
        lastTs = ts;
        const price = (100 + (out.sent % 1000) / 100).toFixed(2);
        const at = performance.now();
        const p = postTicks(ingestUrl, key, JSON.stringify([{ symbol, price, ts: new Date(ts).toISOString(), source: 'bench' }]))
          .then(() => void out.acceptedAt.push(at))
          .catch(() => void out.failures++)
          .finally(() => pending.delete(p));
        pending.add(p);
        out.sent++;
        out.lastPrice = price;
      }
      await sleep(2);
    }
    await Promise.all(pending);
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return out;
    },
  };
}

/** Ticks accepted per second among those sent within the window. */
export const acceptedRate = (offered: Offered, w: MeasuredWindow): number =>
  offered.acceptedAt.filter((t) => t >= w.at.from && t <= w.at.to).length / ((w.at.to - w.at.from) / 1000);
