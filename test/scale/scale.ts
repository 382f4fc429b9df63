/**
 * The scale-out test (section 11 of the contract): two instances of every service against a
 * three-node Kafka cluster and PostgreSQL, under load, through a broker crash, a position crash
 * and a rolling restart of every service; then checks that no acknowledged tick was lost, that
 * marks, `campaign.events` and every WebSocket client agree with the contract, and prints how
 * long each fault stalled the marks.
 *
 *   npx tsx --conditions=source test/scale/scale.ts [--short]
 *
 * Needs the build (`npm run build`) and the local PostgreSQL (`deploy/local/postgres.sh start`);
 * starts and stops its own cluster (deploy/local/kafka-cluster.sh). Exits 0 when every check held.
 * `SCALE_SERVICES_FROM=<dir>` runs the services built in another checkout (`<dir>/services/<name>/dist`);
 * `SCALE_DATABASE_URL` names the database (default `campaigns_scale` on the local server).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type MikroORM, openOrm } from '@cpt/application';
import { createKafka } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { repoRoot, waitFor } from '@cpt/testkit';
import { cluster } from './cluster.js';
import { TickFeed } from './feed.js';
import { Fleet, SERVICES } from './fleet.js';
import { HttpLog } from './http-log.js';
import { summarizeLogs } from './log-summary.js';
import { DbMarksPoller, MarkTimeline } from './marks-watch.js';
import { LONG, SHORT, spreadSymbols } from './plan.js';
import { Report } from './report.js';
import { RestLoad } from './rest-load.js';
import { type Fault, runSteps } from './run-steps.js';
import { createCampaigns, freshDatabase, scaleDatabaseUrl, sqlRows } from './setup.js';
import { printFaults, printHttp } from './summary.js';
import { readTopic } from './topics.js';
import { checkClients, checkEvents } from './verify-events.js';
import { checkMarks, checkTicks } from './verify-ticks.js';
import { WsWatcher } from './ws-watch.js';

const PARTITIONS = Number(process.env.KAFKA_PARTITIONS ?? 6);
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--short');
if (unknown.length > 0) {
  console.error(`usage: scale.ts [--short] (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const plan = args.includes('--short') ? SHORT : LONG;
const t0 = Date.now();
const report = new Report(t0);
const http = new HttpLog(t0);
const logDir = join(repoRoot(), '.run', 'scale', 'logs');
const cleanups: (() => Promise<unknown>)[] = [];

async function cleanup(): Promise<void> {
  for (const c of cleanups.splice(0).reverse())
    await c().catch((err: unknown) => report.say(`cleanup: ${err instanceof Error ? err.message : String(err)}`));
}
// A hung step must not hang `make test`: past this, the run stops, cleans up and fails.
const WATCHDOG_MIN = plan.name === 'short' ? 20 : 45;
setTimeout(() => {
  report.problem(`the run took longer than ${WATCHDOG_MIN} minutes; stopping`);
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_MIN * 60_000).unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    report.say(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  report.say(`scale-out test, ${plan.name} form: 2 price-ingest, 2 position, 2 gateway instances on a 3-node Kafka cluster`);
  if (process.env.SCALE_SERVICES_FROM) report.say(`services built in ${process.env.SCALE_SERVICES_FROM}`);
  const databaseUrl = await scaleDatabaseUrl();
  rmSync(logDir, { recursive: true, force: true });
  await cluster('reset');
  cleanups.push(() => cluster('down'));
  for (const line of (await cluster('up')).trim().split('\n')) report.say(line);
  const brokers = (await cluster('brokers')).trim().split(',');
  await freshDatabase(databaseUrl);
  report.say(`database ${new URL(databaseUrl).pathname.slice(1)} migrated afresh; logs of every service process in ${logDir}`);
  const orm: MikroORM = await openOrm({ url: databaseUrl, poolMax: 3 });
  cleanups.push(() => orm.close(true));

  const fleet = new Fleet({
    databaseUrl,
    brokers,
    logDir,
    readyTimeoutMs: 120_000,
    http,
    servicesFrom: process.env.SCALE_SERVICES_FROM,
    env: {
      'price-ingest': { RATE_LIMIT_MAX: '100000' },
      position: { CONSUMER_GROUP: 'position-marks' },
      gateway: { RATE_LIMIT_MAX: '100000' },
    },
  });
  cleanups.push(() => fleet.stopAll());
  await Promise.all(SERVICES.flatMap((service) => [fleet.add(service, 1), fleet.add(service, 2)]));
  report.say(`services ready: ${fleet.instances.map((i) => `${i.name} ${i.url}`).join(', ')}`);

  const symbols = spreadSymbols(plan.symbols, PARTITIONS);
  const campaigns = await createCampaigns(orm, fleet, symbols);
  const symbolOf = new Map(campaigns.map((c) => [c.id, c.symbol]));
  const timeline = new MarkTimeline();
  const gateways = fleet.of('gateway').map((g) => g.url);
  const watchers: WsWatcher[] = [];
  for (const account of ['A', 'B']) {
    const mine = campaigns.filter((c) => c.account === account);
    for (const home of [0, 1]) {
      for (const roaming of [false, true]) {
        watchers.push(
          new WsWatcher({
            name: `ws-${account}-${roaming ? 'roaming' : 'pinned'}-gateway-${home + 1}`,
            key: mine[0]?.key as string,
            campaignIds: mine.map((c) => c.id),
            gateways,
            home,
            roaming,
            onMark: (gw, id, ts) => timeline.note(`gateway-${gw + 1}`, symbolOf.get(id) as string, ts, Date.now()),
          }),
        );
      }
    }
  }
  cleanups.push(() => Promise.all(watchers.map((w) => w.client.close())));
  await Promise.all(watchers.map((w) => w.start()));
  await waitFor(() => watchers.every((w) => [...w.tracks.values()].every((t) => t.answered)), {
    timeoutMs: 60_000,
    what: 'every client to get its snapshots',
  });
  report.say(
    `load: ${symbols.length} symbols, ${campaigns.length} campaigns of 2 accounts, ${campaigns.length * 2} positions; ` +
      `${watchers.length} WebSocket clients (per account and gateway one pinned, one roaming to the other gateway on reconnect); ` +
      `a feed of ${plan.ticksPerSymbol} ticks per symbol per request every ${plan.intervalMs} ms to each price-ingest`,
  );

  const poller = new DbMarksPoller(orm, symbols, timeline);
  const feed = new TickFeed({
    fleet,
    symbols,
    key: campaigns[0]?.key as string,
    intervalMs: plan.intervalMs,
    ticksPerSymbol: plan.ticksPerSymbol,
    seed: t0,
  });
  const rest = new RestLoad({ fleet, campaigns, readIntervalMs: 100, stopMoveIntervalMs: 1000 });
  poller.start();
  cleanups.push(() => poller.stop());
  const loadStart = Date.now();
  feed.start();
  rest.start();
  cleanups.push(() => Promise.all([feed.stop(), rest.stop()]));
  const faults: Fault[] = await runSteps({ plan, fleet, report, t0 });
  await Promise.all([feed.stop(), rest.stop()]);
  report.event(`load stopped; ${rest.stopMoves} stops moved through the gateways`);

  if (!(await feed.last())) report.problem('the final ticks were not acknowledged after 20 attempts');
  const lastSeq = await settle(
    orm,
    feed,
    symbols,
    watchers,
    campaigns.map((c) => c.id),
  );
  await poller.stop();

  const kafka = createKafka({ brokers, clientId: 'scale-check' }, createLogger('scale-check', 'fatal'));
  const marks = checkTicks(report, feed, symbols, await readTopic(kafka, 'market.ticks'));
  const restStates = await checkMarks(report, orm, fleet, campaigns, marks);
  const events = checkEvents(report, await readTopic(kafka, 'campaign.events'), lastSeq);
  checkClients(report, watchers, events, lastSeq, restStates);
  printFaults(report, timeline, symbols, faults, loadStart);
  printHttp(report, http, fleet, faults);
  await cleanup();
  const logs = summarizeLogs(logDir);
  report.say(`service log warnings and errors (${logDir}):${logs.length === 0 ? ' none' : ''}`);
  for (const line of logs.slice(0, 20)) report.say(`  ${line}`);
}

/** Waits until the newest ticks are the marks, the outbox is empty and every client is at each campaign's last seq. */
async function settle(
  orm: MikroORM,
  feed: TickFeed,
  symbols: readonly string[],
  watchers: readonly WsWatcher[],
  ids: readonly string[],
): Promise<Map<string, number>> {
  const started = Date.now();
  await waitFor(
    async () => {
      const rows = await sqlRows<{ symbol: string; ts: Date }>(orm, 'select symbol, ts from symbol_marks where symbol in (?)', [symbols]);
      return symbols.every((s) => rows.some((r) => r.symbol === s && new Date(r.ts).getTime() >= (feed.newestAcked(s)?.ts ?? 0)));
    },
    { timeoutMs: 120_000, intervalMs: 200, what: 'the newest ticks to become the marks' },
  ).catch((err: unknown) => report.problem(err instanceof Error ? err.message : String(err)));
  await waitFor(
    async () =>
      (await sqlRows<{ n: number }>(orm, 'select count(*)::int as n from campaign_events where campaign_id in (?)', [ids]))[0]?.n === 0,
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the outbox to drain',
    },
  ).catch((err: unknown) => report.problem(err instanceof Error ? err.message : String(err)));
  const rows = await sqlRows<{ id: string; last_seq: string }>(orm, 'select id::text, last_seq::text from campaigns where id in (?)', [
    ids,
  ]);
  const lastSeq = new Map(rows.map((r) => [r.id, Number(r.last_seq)]));
  const reached = await waitFor(() => watchers.every((w) => w.at(lastSeq)), {
    timeoutMs: 60_000,
    intervalMs: 200,
    what: 'every client at the last seq',
  }).catch(() => false);
  if (!reached) {
    for (const w of watchers) {
      for (const id of w.tracks.keys()) {
        const seq = w.client.state(id)?.seq;
        if (seq !== lastSeq.get(id))
          report.problem(`${w.name}: campaign ${id} at seq ${seq}, last_seq ${lastSeq.get(id)}, 60 s after the last change`);
      }
    }
  }
  report.event(
    `settled after ${((Date.now() - started) / 1000).toFixed(1)} s: marks at the newest ticks, outbox empty, clients at the last seq`,
  );
  return lastSeq;
}

main()
  .catch((err: unknown) => {
    report.problem(`the run stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  })
  .finally(async () => {
    await cleanup();
    if (report.problems.length === 0) report.say(`result: every check held (${report.notes.length} notes)`);
    else report.say(`result: ${report.problems.length} problems (each is printed above with PROBLEM)`);
    process.exit(report.problems.length === 0 ? 0 : 1);
  });
