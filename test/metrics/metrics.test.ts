import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Exposition, familyOf, forbiddenLabelValues, parseExposition, repoRoot, sampleSum, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client, testKey } from '../support/http.js';
import { type RunningService, type ServiceName, startService } from '../support/services.js';
import { ALERT_SCENARIOS } from './alert-scenarios.js';

const PROMETHEUS_DIR = join(repoRoot(), 'deploy', 'prometheus');
const ALERTS = join(PROMETHEUS_DIR, 'alerts.yml');
const CONFIG = join(PROMETHEUS_DIR, 'prometheus.yml');
const DASHBOARD = join(repoRoot(), 'deploy', 'grafana', 'pipeline.json');

/** promtool, from Debian's prometheus package: deploy/local/test.sh installs it and exports PROMTOOL_PATH. */
function promtoolPath(): string {
  const path = process.env.PROMTOOL_PATH || 'promtool';
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `promtool cannot be run (${path}: ${r.error?.message ?? r.stderr}): 'deploy/local/observe.sh install' installs it ` +
        '(Debian’s prometheus package); make test does so and sets PROMTOOL_PATH',
    );
  }
  return path;
}

/** Runs promtool; its output is the assertion's message. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(promtoolPath(), args, { encoding: 'utf8', cwd: repoRoot() });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The metric names a text refers to: ours (`cpt_`) and Node's default ones (`nodejs_`, `process_`). */
const metricNames = (text: string): string[] => [...new Set(text.match(/\b(?:cpt|nodejs|process)_[a-z0-9_]+/g) ?? [])].sort();

/** Every PromQL expression of the dashboard, with Grafana's interval variables as Prometheus reads them. */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return dashboard.panels
    .flatMap((p) => p.targets ?? [])
    .map((t) => t.expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h'));
}

/** The rules without their annotations, which `promtool test rules` would compare word for word. */
function withoutAnnotations(yaml: string): string {
  const out: string[] = [];
  let skipBelow = -1;
  for (const line of yaml.split('\n')) {
    const indent = line.trim() === '' ? -1 : line.search(/\S/);
    if (skipBelow >= 0) {
      if (indent === -1 || indent > skipBelow) continue;
      skipBelow = -1;
    }
    if (/^\s*annotations:\s*$/.test(line)) {
      skipBelow = indent;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

describe('the Prometheus configuration and alert rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cpt-prometheus-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules and check config', () => {
    const rules = promtool('check', 'rules', ALERTS);
    expect(rules.status, rules.output).toBe(0);
    const config = promtool('check', 'config', CONFIG);
    expect(config.status, config.output).toBe(0);
    expect(config.output).toContain('1 rule files found');
  });

  it('give every alert a summary and a description', () => {
    const text = readFileSync(ALERTS, 'utf8');
    const alerts = text.match(/^\s*- alert: \S+/gm) ?? [];
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    expect((text.match(/^\s*summary: /gm) ?? []).length).toBe(alerts.length);
    expect((text.match(/^\s*description: /gm) ?? []).length).toBe(alerts.length);
  });

  it('fire each alert when it should and not on a near miss (promtool test rules)', () => {
    writeFileSync(join(dir, 'alerts.yml'), withoutAnnotations(readFileSync(ALERTS, 'utf8')));
    writeFileSync(join(dir, 'scenarios.yml'), ALERT_SCENARIOS);
    const r = promtool('test', 'rules', join(dir, 'scenarios.yml'));
    expect(r.status, r.output).toBe(0);
    // Every alert of the rules has a scenario.
    const alerts = (readFileSync(ALERTS, 'utf8').match(/- alert: (\S+)/g) ?? []).map((a) => a.slice('- alert: '.length));
    for (const alert of alerts) expect(ALERT_SCENARIOS, alert).toContain(`alertname: ${alert}`);
  });

  it('accept every expression of the Grafana dashboard as PromQL', () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThan(10);
    const rules = exprs.map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(e)}`).join('\n');
    writeFileSync(join(dir, 'dashboard.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
    const r = promtool('check', 'rules', join(dir, 'dashboard.yml'));
    expect(r.status, r.output).toBe(0);
  });
});

describe('GET /metrics of the three services, as processes', () => {
  const services = new Map<ServiceName, RunningService>();
  beforeAll(async () => {
    const [gateway, ingest, position] = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: `e2e-metrics-${Date.now()}`, CONSUMER_START: 'latest' }),
    ]);
    services.set('gateway', gateway).set('price-ingest', ingest).set('position', position);
  });
  afterAll(async () => {
    await Promise.all([...services.values()].map((s) => s.stop()));
  });

  const service = (name: ServiceName) => services.get(name) as RunningService;

  /** Each service's `/metrics`, fetched without a key and parsed. */
  async function scrapeAll(): Promise<Map<ServiceName, Exposition>> {
    const out = new Map<ServiceName, Exposition>();
    for (const [name, s] of services) {
      const r = await fetch(`${s.url}/metrics`);
      expect(r.status, `${name} /metrics`).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      out.set(name, parseExposition(await r.text()));
    }
    return out;
  }

  it('serve every metric the alert rules and the dashboard name, after some traffic, and no id or key in a label', async () => {
    // Traffic through the pipeline: a campaign and a position, a tick that marks it.
    const gw = client(service('gateway').url);
    const symbol = uniqueSymbol('MET');
    const campaignId = await createCampaign(gw, symbol);
    await openPosition(gw, campaignId, {
      pattern_type: 'SPRING',
      entry_price: '10',
      shares: '1',
      stop_loss: '9',
      entry_date: '2026-11-25T09:00:00Z',
    });
    const ticks = await client(service('price-ingest').url).post('/api/v1/ticks', {
      symbol,
      price: '11',
      ts: '2026-11-25T10:00:00Z',
      source: 'e2e',
    });
    expect(ticks.status).toBe(202);
    await waitFor(async () => (await gw.get<{ as_of: string | null }>(`/api/v1/campaigns/${campaignId}/positions`)).body.as_of !== null, {
      timeoutMs: 20_000,
      what: 'the tick to mark the position',
    });
    expect((await gw.get('/api/v1/campaigns')).status).toBe(200);

    const scraped = await waitFor(
      async () => {
        const s = await scrapeAll();
        return sampleSum(s.get('position') as Exposition, 'cpt_marks_total') >= 1 && s;
      },
      { timeoutMs: 20_000, what: 'the position service to count the mark' },
    );
    const gateway = scraped.get('gateway') as Exposition;
    const ingest = scraped.get('price-ingest') as Exposition;
    const position = scraped.get('position') as Exposition;
    expect(
      sampleSum(gateway, 'cpt_http_requests_total', { route: '/api/v1/campaigns', method: 'GET', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleSum(ingest, 'cpt_ticks_accepted_total')).toBe(1);
    expect(sampleSum(ingest, 'cpt_kafka_publish_duration_seconds_count', { topic: 'market.ticks', outcome: 'acknowledged' })).toBe(1);
    expect(sampleSum(position, 'cpt_mark_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);

    // Every name the rules and the dashboard use is served by some service.
    const referenced = metricNames(`${readFileSync(ALERTS, 'utf8')}\n${dashboardExpressions().join('\n')}`);
    expect(referenced.length).toBeGreaterThan(20);
    const missing = referenced.filter((name) => ![...scraped.values()].some((e) => familyOf(e, name) !== undefined));
    expect(missing).toEqual([]);

    // Each service serves what it measures, and the metrics every service has.
    const common = [
      'cpt_http_requests_total',
      'cpt_http_request_duration_seconds',
      'cpt_db_pool_connections',
      'nodejs_eventloop_lag_p99_seconds',
    ];
    const own: Record<ServiceName, string[]> = {
      gateway: [
        'cpt_ws_connections',
        'cpt_ws_subscriptions',
        'cpt_ws_messages_sent_total',
        'cpt_ws_updates_conflated_total',
        'cpt_kafka_consumer_lag',
      ],
      'price-ingest': ['cpt_ticks_accepted_total', 'cpt_ticks_refused_total', 'cpt_kafka_publish_duration_seconds'],
      position: [
        'cpt_kafka_consumer_lag',
        'cpt_kafka_publish_duration_seconds',
        'cpt_marks_total',
        'cpt_marks_skipped_total',
        'cpt_mark_batch_duration_seconds',
        'cpt_outbox_backlog',
        'cpt_outbox_oldest_age_seconds',
      ],
    };
    for (const [name, e] of scraped) {
      expect([...common, ...own[name]].filter((m) => !e.types.has(m))).toEqual([]);
      expect(e.samples.every((s) => s.labels.service === name)).toBe(true);
      // A metric of our own says what it counts.
      for (const [family, help] of e.help) if (family.startsWith('cpt_')) expect(help.length, family).toBeGreaterThan(20);
    }

    const key = await testKey();
    const secrets = [key.key, key.keyId, key.accountId, campaignId, symbol];
    for (const [name, e] of scraped) expect(forbiddenLabelValues(e, secrets), name).toEqual([]);
  });
});
