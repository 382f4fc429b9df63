import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, testInfraSource, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import { type RunningService, startService } from '../support/services.js';

const run = promisify(execFile);
const kafkaScript = (cmd: 'start' | 'stop') =>
  run(join(repoRoot(), 'deploy/local/kafka.sh'), [cmd], { cwd: repoRoot(), maxBuffer: 8 * 1024 * 1024 });

// Only the project's own broker can be stopped and started by a test.
describe.runIf(testInfraSource() === 'local')('Kafka stops and comes back', () => {
  let services: RunningService[] = [];

  beforeAll(async () => {
    services = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: `e2e-outage-${Date.now()}`, CONSUMER_START: 'latest' }),
    ]);
  });
  // The broker may take a while to start on a loaded machine (deploy/local/kafka.sh waits up to
  // 180 s); the services stop whatever happens to it.
  afterAll(async () => {
    try {
      await kafkaScript('start');
    } finally {
      await Promise.all(services.map((s) => s.stop()));
    }
  }, 240_000);

  it('ingest answers 503 while Kafka is down, never 202, and everything flows again without a restart', async () => {
    const [g, i] = services as [RunningService, RunningService];
    const gw = client(g.url);
    const ingest = client(i.url);
    const symbol = uniqueSymbol('O');
    const id = await createCampaign(gw, symbol);
    await openPosition(gw, id, {
      pattern_type: 'SPRING',
      entry_price: '50',
      shares: '10',
      stop_loss: '45',
      entry_date: '2026-11-25T00:00:00Z',
    });
    const asOf = (ts: string) =>
      waitFor(
        async () =>
          (await gw.get<{ as_of: string | null; unrealized_pnl: string }>(`/api/v1/campaigns/${id}/positions`)).body.as_of === ts ||
          undefined,
        { timeoutMs: 60_000, intervalMs: 100, what: `marks as of ${ts}` },
      );
    expect((await ingest.post('/api/v1/ticks', { symbol, price: '51', ts: '2026-11-25T01:00:00Z' })).status).toBe(202);
    await asOf('2026-11-25T01:00:00.000Z');

    await kafkaScript('stop');
    const during = await ingest.post('/api/v1/ticks', { symbol, price: '52', ts: '2026-11-25T02:00:00Z' });
    expect(during.status).toBe(503);
    expect((during.body as { error: { code: string } }).error.code).toBe('unavailable');
    expect((await ingest.get('/health/ready')).status).toBe(503);

    await kafkaScript('start');
    // Once the broker is back, the same processes accept ticks again and mark positions.
    await waitFor(async () => (await ingest.post('/api/v1/ticks', { symbol, price: '53', ts: '2026-11-25T03:00:00Z' })).status === 202, {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'ingest to accept ticks again',
    });
    await asOf('2026-11-25T03:00:00.000Z');
    const view = (await gw.get<{ unrealized_pnl: string }>(`/api/v1/campaigns/${id}/positions`)).body;
    expect(view.unrealized_pnl).toBe('30.00000000');
    // Its waits (a broker restart, then marks) have their own deadlines; the test's outlasts them.
  }, 300_000);
});
