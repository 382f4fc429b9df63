/**
 * `make bench`: every stage of the system beside its baseline, measured in one run on this
 * machine, then a JSON file and a Markdown table in bench/results/. See bench/README.md.
 *
 *   npm run bench -- [--quick] [--only ingest,guarantee,auth,consume,latency,sustain,scale,rest,fanout,dashboard] [--profile DIR]
 *
 * `npm run bench` builds first (`tsc -b`): this file's own imports of the libraries resolve to their
 * build, before any line of it runs. It builds again (a no-op then, but not when it is run some other
 * way), and the dashboard's bundle, which the gateway serves: the services it starts run from their build.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openOrm } from '@cpt/application';
import { repoRoot } from '../libs/testkit/src/infra.js';
import { authStage } from './auth.js';
import { consumeStage } from './consume.js';
import { type DashboardCampaigns, dashboardStage } from './dashboard.js';
import { latencyStage, SUSTAINED, sustainStage } from './end-to-end.js';
import { guaranteeStage } from './guarantee.js';
import { ingestStage } from './ingest.js';
import { benchKey, freshDatabase, localInfra, progress } from './lib/bench-env.js';
import { benchKafka, benchKafkaClient, kafkaVersion, recreateTopics } from './lib/bench-kafka.js';
import { BenchServices } from './lib/bench-services.js';
import type { BenchContext } from './lib/context.js';
import { parseOptions, type Stage } from './lib/options.js';
import { type Figure, machine, markdown, packageVersions, type RunHeader } from './lib/report.js';
import { seed, seedFanoutCampaign, seedReadCampaign } from './lib/scenario.js';
import { closeHttp } from './lib/ticks.js';
import { restStage } from './rest.js';
import { scaleStage } from './scale.js';
import { fanoutStage } from './ws-fanout.js';

const opts = parseOptions();
const started = performance.now();
const startedAt = new Date().toISOString();
const host = machine();
progress(`${opts.quick ? 'quick' : 'full'} profile; stages ${[...opts.stages].join(', ')}; load average ${host.loadAtStart.join(' ')}`);

// The services run from their build: a stale one would be measured instead of the sources.
execFileSync(join(repoRoot(), 'node_modules/.bin/tsc'), ['-b'], { stdio: 'inherit' });
// The gateway serves the dashboard's bundle (apps/dashboard/dist); the dashboard stage reads its sizes.
const dashboardBuild = execFileSync(process.execPath, [join(repoRoot(), 'apps/dashboard/build.mjs')], { encoding: 'utf8' });
process.stderr.write(dashboardBuild);
const infra = localInfra();
const brokers = opts.kafka === 'bench' ? await benchKafka(opts.kafkaPort) : infra.kafkaBrokers;
const kafka = benchKafkaClient(brokers);
const admin = kafka.admin();
await admin.connect();
// Only the benchmark's own broker is emptied; the shared one keeps what it holds.
if (opts.kafka === 'bench') await recreateTopics(kafka);
const databaseUrl = await freshDatabase(infra.adminUrl, opts.database);
const orm = await openOrm({ url: databaseUrl, poolMax: 4 });
// One key with every scope: every client of the run presents it, and the campaigns are its account's.
const key = await benchKey(orm);

const positionsPerCampaign = Math.floor(opts.positions / opts.campaigns);
const seeded = await seed(
  orm,
  { symbols: opts.symbols, campaigns: opts.campaigns, positionsPerCampaign, nearStops: opts.nearStops },
  key.accountId,
);
const campaigns = [...seeded].map(([id, symbol]) => ({ id, symbol })).sort((a, b) => (a.symbol < b.symbol ? -1 : 1));
const readCampaigns = new Map<number, string>();
if (opts.stages.has('rest')) for (const size of opts.restSizes) readCampaigns.set(size, await seedReadCampaign(orm, key.caller, size));
const authCampaign = opts.stages.has('auth')
  ? (readCampaigns.get(1000) ?? (await seedReadCampaign(orm, key.caller, 1000, 'BENCHAUTH1000')))
  : undefined;
const fanoutCampaign = opts.stages.has('fanout') ? await seedFanoutCampaign(orm, key.accountId, positionsPerCampaign) : undefined;
const dashboardCampaign = async (symbol: string, positions: number) => ({
  id: await seedFanoutCampaign(orm, key.accountId, positions, symbol, `bench dashboard ${positions}`),
  symbol,
  positions,
});
const dashboardCampaigns: DashboardCampaigns | undefined = opts.stages.has('dashboard')
  ? {
      large: await dashboardCampaign('DASHBOARD', opts.dashboardPositions),
      small: await dashboardCampaign('DASHBASE', opts.dashboardBaselinePositions),
    }
  : undefined;
await orm.em.fork().execute('vacuum analyze', [], 'run');
progress(
  `seeded ${opts.campaigns} campaigns of ${positionsPerCampaign} open positions on ${opts.symbols} symbols (+ ${readCampaigns.size} read campaigns); Kafka ${brokers.join(',')}`,
);

const ctx: BenchContext = {
  opts,
  kafka,
  admin,
  brokers,
  databaseUrl,
  orm,
  key,
  campaigns,
  positionsPerCampaign,
  services: new BenchServices({
    databaseUrl,
    kafkaBrokers: brokers,
    profileDir: opts.profileDir,
    logsDir: opts.logsDir,
    logLevel: opts.logLevel,
  }),
  figures: [] as Figure[],
  details: {},
  positionGroup: `bench-marks-${Date.now()}`,
  positionStart: new Map(),
};

const stages: [Stage, () => Promise<void>][] = [
  ['ingest', () => ingestStage(ctx)],
  ['guarantee', () => guaranteeStage(ctx)],
  ['auth', () => authStage(ctx, authCampaign as string)],
  ['consume', () => consumeStage(ctx)],
  ['latency', () => latencyStage(ctx)],
  ['sustain', () => sustainStage(ctx)],
  ['scale', () => scaleStage(ctx)],
  ['rest', () => restStage(ctx, readCampaigns)],
  ['fanout', () => fanoutStage(ctx, fanoutCampaign as string)],
  ['dashboard', () => dashboardStage(ctx, dashboardCampaigns as DashboardCampaigns, dashboardBuild)],
];
const failures: Record<string, string> = {};
try {
  for (const [name, run] of stages) {
    if (!opts.stages.has(name)) continue;
    if (name === 'rest' || name === 'fanout' || name === 'dashboard') {
      await ctx.subscribers?.close();
      ctx.subscribers = undefined;
    }
    const t0 = performance.now();
    try {
      await run();
    } catch (err) {
      failures[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
      progress(`${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    progress(`${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
} finally {
  await ctx.subscribers?.close();
  await ctx.services.stopAll();
  closeHttp();
  await admin.disconnect();
  await orm.close(true);
}

host.loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
const [pgVersion] = await (async () => {
  const o = await openOrm({ url: databaseUrl, poolMax: 1 });
  try {
    return ((await o.em.fork().execute('show server_version')) as { server_version: string }[]).map((r) => r.server_version.split(' ')[0]);
  } finally {
    await o.close(true);
  }
})();
const header: RunHeader = {
  startedAt,
  seconds: (performance.now() - started) / 1000,
  profile: opts.quick ? 'quick' : 'full',
  machine: host,
  versions: { node: process.version, postgresql: pgVersion ?? 'unknown', kafka: kafkaVersion(), ...packageVersions() },
  scenario: `${opts.symbols.toLocaleString('en-US')} symbols, ${opts.campaigns} campaigns, ${(positionsPerCampaign * opts.campaigns).toLocaleString('en-US')} open positions, ${opts.subscribers} WebSocket subscribers following ${opts.campaignsPerSubscriber} campaigns each, ${opts.fanoutSubscribers.toLocaleString('en-US')} for fan-out; seeded random walk (seed ${opts.seed})${opts.nearStops === null ? '' : `; each campaign's stops spread over ${opts.nearStops} bp of the entry`}; Kafka: ${opts.kafka === 'bench' ? "the benchmark's own broker" : 'the shared local broker'}, 6 partitions`,
  definitions: [
    SUSTAINED,
    'Ratio: value ÷ baseline (for throughput, higher is better; for latency, lower is better).',
    ...Object.keys(failures).map((s) => `Stage ${s} failed: ${failures[s]?.split('\n')[0]}`),
  ],
};
const md = markdown(header, ctx.figures);
const stamp = startedAt.replace(/[:.]/g, '-');
mkdirSync(opts.resultsDir, { recursive: true });
const json = join(opts.resultsDir, `${stamp}.json`);
writeFileSync(
  json,
  `${JSON.stringify({ ...header, options: { ...opts, stages: [...opts.stages] }, figures: ctx.figures, details: ctx.details, failures }, null, 2)}\n`,
);
writeFileSync(join(opts.resultsDir, `${stamp}.md`), md);
console.log(md);
progress(`wrote ${json} and its .md in ${header.seconds.toFixed(0)} s`);
process.exit(Object.keys(failures).length > 0 ? 1 : 0);
