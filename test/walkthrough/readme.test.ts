import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AccessAdmin, openOrm } from '@cpt/application';
import { createTestKey, repoRoot, testDatabaseUrl, testKeyHasher, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueSymbol } from '../support/fixtures.js';
import { type RunningService, startService } from '../support/services.js';
import { blockAfter, matchesShown, runBash, walkthroughSteps } from './markdown-steps.js';

// The README's walkthrough as a newcomer pastes it, block after block, into one shell, against the
// three services: what each block prints must be what the README shows under it, the P&L after the
// tick included. The services run as the e2e suite runs them (the test database, the shared
// Kafka), so the test puts in its own addresses, key, symbols and a copy of the sample file: ticks
// of GBPUSD on the shared topic would mark other suites' GBPUSD positions.
describe('the README, followed literally', () => {
  const root = repoRoot();
  const work = join(root, '.run', `walkthrough-${randomUUID().slice(0, 8)}`);
  const symbols = { GBPUSD: uniqueSymbol('WGBP'), AAPL: uniqueSymbol('WAAPL') };
  let services: RunningService[] = [];
  let gw: RunningService;
  let ingest: RunningService;
  let key: string;
  let keyFile: string;
  let sampleCopy: string;

  /** The README's text with this test's addresses, key file, symbols and sample file in place of make up's. */
  const local = (text: string) =>
    text
      .replaceAll('http://127.0.0.1:8080', gw.url)
      .replaceAll('http://127.0.0.1:8081', ingest.url)
      .replaceAll('.run/dev-api-key', keyFile)
      .replaceAll('services/price-ingest/fixtures/sample-ticks.csv', sampleCopy)
      .replaceAll('GBPUSD', symbols.GBPUSD)
      .replaceAll('AAPL', symbols.AAPL);

  /**
   * The environment of the pasted commands. The feed reads the gateway, price-ingest and the key
   * from the environment when no option names them (make up's addresses and .run/dev-api-key
   * otherwise); curl and jq are the machine's.
   */
  const env = () => ({
    ...process.env,
    CPT_API_URL: gw.url,
    CPT_TICKS_URL: `${ingest.url}/api/v1/ticks`,
    CPT_API_KEY: key,
  });

  beforeAll(async () => {
    services = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: `e2e-walkthrough-${Date.now()}`, CONSUMER_START: 'latest' }),
    ]);
    [gw, ingest] = services as [RunningService, RunningService];
    // The account `dev` and its key, as make up makes them.
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 2 });
    try {
      const account = await new AccessAdmin(orm.em, testKeyHasher).createAccount('dev');
      key = (await createTestKey(orm, { accountId: account.id, name: 'dev' })).key;
    } finally {
      await orm.close(true);
    }
    await mkdir(work, { recursive: true });
    keyFile = join(work, 'dev-api-key');
    await writeFile(keyFile, key, { mode: 0o600 });
    sampleCopy = join(work, 'sample-ticks.csv');
    const sample = await readFile(join(root, 'services/price-ingest/fixtures/sample-ticks.csv'), 'utf8');
    await writeFile(sampleCopy, sample.replaceAll('GBPUSD', symbols.GBPUSD).replaceAll('AAPL', symbols.AAPL));
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await rm(work, { recursive: true, force: true });
  });

  let campaignId = '';

  it('prints what the walkthrough shows, block after block, the P&L after the tick included', { timeout: 120_000 }, async () => {
    const steps = walkthroughSteps(await readFile(join(root, 'README.md'), 'utf8'));
    expect(steps.length).toBeGreaterThanOrEqual(5);
    expect(steps.filter((s) => s.expected !== undefined).length).toBeGreaterThanOrEqual(5);
    // One shell, as one terminal: a step's variables serve the next; a line between steps tells their output apart.
    const marker = (i: number) => `@@walkthrough step ${i}@@`;
    const script = [
      'set -e -o pipefail',
      ...steps.flatMap((s, i) => [`echo '${marker(i)}'`, local(s.commands)]),
      'echo "CAMPAIGN=$CAMPAIGN"',
    ].join('\n');
    const ran = await runBash(script, { cwd: root, env: env(), timeoutMs: 100_000 });
    expect(ran.code, `the walkthrough failed:\n${ran.stdout}\n${ran.stderr}`).toBe(0);
    const outputs = ran.stdout.split(/^@@walkthrough step \d+@@\n/m).slice(1);
    expect(outputs).toHaveLength(steps.length);
    steps.forEach((step, i) => {
      if (step.expected === undefined) return;
      const shown = local(step.expected);
      const output = outputs[i] as string;
      const printed = i === steps.length - 1 ? output.replace(/CAMPAIGN=.*\n?$/, '') : output;
      expect(matchesShown(shown, printed), `README line ${step.line}: printed\n${printed}\nwhere the README shows\n${shown}`).toBe(true);
    });
    campaignId = /CAMPAIGN=(.*)/.exec(ran.stdout)?.[1] ?? '';
    expect(campaignId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('the tick make up prints, pasted, marks a position opened a moment before', async () => {
    const upSh = await readFile(join(root, 'deploy/local/up.sh'), 'utf8');
    const welcome = /^print_welcome\(\) \{[\s\S]*?^\}$/m.exec(upSh)?.[0];
    expect(welcome).toBeDefined();
    const port = (s: RunningService) => new URL(s.url).port;
    const banner = await runBash(`${welcome}\ndeclare -A PORT=([gateway]=${port(gw)} [price-ingest]=${port(ingest)}); print_welcome 1.0`, {
      cwd: root,
      env: env(),
      timeoutMs: 10_000,
    });
    // The lines from `KEY=` to the end of the curl: what a person copies.
    const lines = banner.stdout.split('\n');
    const from = lines.findIndex((l) => l.trim().startsWith('KEY='));
    const to = lines.findIndex((l, i) => i > from && !l.trimEnd().endsWith('\\'));
    const pasted = lines.slice(from, to + 1).join('\n');
    expect(pasted).toMatch(/curl .*\/api\/v1\/ticks/);

    const symbol = uniqueSymbol('WBAN');
    const call = async (path: string, body: unknown) => {
      const r = await fetch(`${gw.url}/api/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(201);
      return (await r.json()) as { id: string };
    };
    const campaign = await call('/campaigns', { name: 'banner', symbol, timeframe: '1h' });
    await call(`/campaigns/${campaign.id}/positions`, { pattern_type: 'SPRING', entry_price: '1.25', shares: '8000', stop_loss: '1.245' });
    const ran = await runBash(local(pasted).replaceAll(symbols.GBPUSD, symbol), { cwd: root, env: env(), timeoutMs: 20_000 });
    expect([ran.code, ran.stdout.trim()], ran.stderr).toEqual([0, '{"accepted":1}']);
    const marked = await waitFor(
      async () => {
        const r = await fetch(`${gw.url}/api/v1/campaigns/${campaign.id}/positions`, { headers: { authorization: `Bearer ${key}` } });
        const p = ((await r.json()) as { positions: { current_price: string; current_pnl: string; marked_at: string | null }[] })
          .positions[0];
        return p?.marked_at ? p : undefined;
      },
      { timeoutMs: 20_000, what: 'the banner’s tick to mark the position' },
    );
    expect(marked).toMatchObject({ current_price: '1.25750000', current_pnl: '60.00000000' });
  });

  it('the client library’s example prints the campaigns’ totals, then each update as it happens', async () => {
    expect(campaignId, 'the walkthrough ran first').not.toBe('');
    const example = blockAfter(await readFile(join(root, 'libs/realtime-client/README.md'), 'utf8'), 'realtime-client example');
    expect(example.split('\n').length).toBeLessThanOrEqual(20);
    // In the repository, where `@cpt/realtime-client` resolves to the built workspace package.
    const file = join(work, 'watch.mjs');
    await writeFile(file, example);
    const child = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, GATEWAY: gw.url, CPT_API_KEY: key } });
    let printed = '';
    child.stdout.on('data', (b: Buffer) => {
      printed += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      printed += b.toString('utf8');
    });
    try {
      await waitFor(() => printed.includes(`${campaignId} at seq `), {
        timeoutMs: 20_000,
        what: `the snapshot line (printed: ${printed})`,
      });
      const r = await fetch(`${ingest.url}/api/v1/ticks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: symbols.GBPUSD, price: '1.26', ts: new Date().toISOString() }),
      });
      expect(r.status).toBe(202);
      // 8,000 × (1.26 − 1.25): the campaign's total P&L (fees are not in it).
      await waitFor(() => new RegExp(`${campaignId} seq \\d+ marked: P&L 80\\.00000000`).test(printed), {
        timeoutMs: 20_000,
        what: `the update line (printed: ${printed})`,
      });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
