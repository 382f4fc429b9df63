/**
 * Scaling: the highest sustained rate (as the sustain stage searches it, end to end) with each of
 * `--scale-positions` open positions (10,000 and 100,000 by default) spread over `--symbols`
 * campaigns, one a symbol (campaign i trades symbol i, so every tick marks a campaign). The first
 * size is the baseline of the others, in the same run: only the positions per campaign differ.
 *
 * Each size gets campaigns and symbols of its own (`SCA00000`…, `SCB00000`…; the scenario's
 * `SYM…` campaigns get no ticks meanwhile), seeded with two set-based statements, and WebSocket
 * subscribers of its own (`--subscribers`, `--campaigns-per-subscriber` each: 500 × 2 follow each
 * of 1,000 campaigns once). The search of a later size starts at 0.8 × the baseline's rate, so
 * that its first step already says whether the target is met; when it is not, the rate falls by
 * a factor of 4 until one is sustained (12,800, 3,200, 800, 200 …), then bisects: within its few
 * steps the search finds the rate it sustains, where halving could end with none.
 */
import { performance } from 'node:perf_hooks';
import { followingSubscribers, pipeline, type Search, SUSTAINED, searchNote, searchSustained } from './end-to-end.js';
import { progress } from './lib/bench-env.js';
import type { BenchContext } from './lib/context.js';
import { seed } from './lib/scenario.js';
import { tickStream } from './lib/ticks.js';

/** What the issue asks of the largest size against the first. */
const TARGET = 0.8;
/** Rates are rounded to it: the rates here are a few thousand ticks/s or less. */
const GRAIN = 50;

export async function scaleStage(ctx: BenchContext): Promise<void> {
  const { opts } = ctx;
  const services = await pipeline(ctx);
  // The scenario's subscribers follow campaigns that get no ticks here: they would only cost.
  await ctx.subscribers?.close();
  ctx.subscribers = undefined;
  const sizes = opts.scalePositions;
  const results: { positions: number; seedSeconds: number; search: Search }[] = [];
  for (const [i, positions] of sizes.entries()) {
    const prefix = `SC${String.fromCharCode(65 + i)}`;
    const t0 = performance.now();
    const campaigns = await seed(
      ctx.orm,
      { symbols: opts.symbols, campaigns: opts.symbols, positionsPerCampaign: positions / opts.symbols, prefix },
      ctx.key.accountId,
    );
    await ctx.orm.em.fork().execute('vacuum analyze positions', [], 'run');
    const seedSeconds = (performance.now() - t0) / 1000;
    progress(
      `scale: seeded ${positions.toLocaleString('en-US')} open positions on ${opts.symbols} campaigns (${prefix}…) in ${seedSeconds.toFixed(1)} s`,
    );
    const subs = await followingSubscribers(ctx, services.gateway.url, [...campaigns.keys()]);
    try {
      const baseline = results[0]?.search.pass;
      const start = baseline ? Math.max(GRAIN, Math.round((TARGET * baseline) / GRAIN) * GRAIN) : opts.scaleStartRate;
      const next = tickStream(opts.symbols, opts.seed + 10 + i, undefined, prefix);
      const search = await searchSustained(ctx, services, next, start, opts.scaleSteps, `scale ${positions}`, GRAIN, baseline ? 4 : 2);
      results.push({ positions, seedSeconds, search });
    } finally {
      await subs.close();
    }
  }
  const [first, ...others] = results;
  if (!first) return;
  const name = (n: number) =>
    `highest sustained rate, ${n.toLocaleString('en-US')} open positions on ${opts.symbols.toLocaleString('en-US')} symbols`;
  ctx.figures.push({ stage: 'scale', name: name(first.positions), value: first.search.pass, unit: 'ticks/s', ...searchNote(first.search) });
  for (const r of others) {
    ctx.figures.push({
      stage: 'scale',
      name: name(r.positions),
      value: r.search.pass,
      unit: 'ticks/s',
      baseline: { name: `the same, ${first.positions.toLocaleString('en-US')} open positions`, value: first.search.pass },
      target: {
        text: `≥ ${TARGET}× the rate with ${first.positions.toLocaleString('en-US')}`,
        met: first.search.pass > 0 && r.search.pass >= TARGET * first.search.pass,
      },
      ...searchNote(r.search),
    });
  }
  ctx.details.scale = {
    definition: SUSTAINED,
    sizes: results.map((r) => ({ positions: r.positions, seedSeconds: r.seedSeconds, pass: r.search.pass, steps: r.search.steps })),
  };
}
