import { TOPICS } from '@cpt/messaging';
import { waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import { collect, headerOf, testKafka } from '../support/kafka.js';
import { type RunningService, startService } from '../support/services.js';

describe('a poison message on market.ticks', () => {
  const kafka = testKafka();
  let services: RunningService[] = [];

  beforeAll(async () => {
    services = await Promise.all([
      startService('gateway'),
      startService('price-ingest'),
      startService('position', { CONSUMER_GROUP: `e2e-poison-${Date.now()}`, CONSUMER_START: 'latest' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  });

  it('goes to the dead-letter topic with an error header, and the ticks after it are applied', async () => {
    const [g, i] = services as [RunningService, RunningService];
    const gw = client(g.url);
    const symbol = uniqueSymbol('P');
    const id = await createCampaign(gw, symbol);
    await openPosition(gw, id, {
      pattern_type: 'SPRING',
      entry_price: '10',
      shares: '100',
      stop_loss: '9',
      entry_date: '2026-11-25T00:00:00Z',
    });
    const dlq = await collect(kafka, TOPICS.ticksDeadLetter);

    const producer = kafka.producer();
    await producer.connect();
    const poison = [
      'not json at all',
      JSON.stringify({ v: 2, symbol, price: '11.00000000' }),
      JSON.stringify({ v: 1, symbol, price: '1e3', ts: '2026-11-25T01:00:00.000Z', source: 'x', ingested_at: '2026-11-25T01:00:00.000Z' }),
    ];
    await producer.send({
      topic: TOPICS.ticks,
      acks: -1,
      messages: poison.map((value) => ({ key: symbol, value, headers: { 'x-request-id': `poison-${symbol}` } })),
    });
    await producer.disconnect();
    const ok = await client(i.url).post('/api/v1/ticks', { symbol, price: '11.5', ts: '2026-11-25T02:00:00Z', source: 'e2e' });
    expect(ok.status).toBe(202);

    const view = await waitFor(
      async () => {
        const r = await gw.get<{ unrealized_pnl: string; as_of: string | null }>(`/api/v1/campaigns/${id}/positions`);
        return r.body.as_of === '2026-11-25T02:00:00.000Z' ? r.body : undefined;
      },
      { timeoutMs: 20_000, what: 'the tick after the poison to be applied' },
    );
    expect(view.unrealized_pnl).toBe('150.00000000');

    const dead = await waitFor(
      () => {
        // Every consumer group of market.ticks dead-letters the same poison (another suite's consumer
        // may run meanwhile): one dead letter per original message counts.
        const byOffset = new Map(
          dlq.messages.filter((m) => m.key?.toString() === symbol).map((m) => [headerOf(m, 'original-offset'), m] as const),
        );
        const mine = [...byOffset.values()];
        return mine.length === poison.length ? mine : undefined;
      },
      { timeoutMs: 20_000, what: 'the dead letters' },
    );
    expect(dead.map((m) => m.value?.toString())).toEqual(poison);
    for (const m of dead) {
      expect(headerOf(m, 'error')).toMatch(/.+/);
      expect(headerOf(m, 'x-request-id')).toBe(`poison-${symbol}`);
    }
    await dlq.stop();
  });
});
