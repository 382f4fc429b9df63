import { createConsumerLagMonitor, createKafka, createPublisher, type Publisher, TOPICS } from '@cpt/messaging';
import { createMetricsRegistry, type MetricsRegistry } from '@cpt/platform';
import { type Exposition, forbiddenLabelValues, parseExposition, sampleSum, waitFor } from '@cpt/testkit';
import type { FastifyInstance } from 'fastify';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createMarksConsumer, type MarksConsumer } from '../src/marks/marks.consumer.js';
import { outboxMetrics } from '../src/outbox/outbox.metrics.js';
import { createOutboxRelay } from '../src/outbox/outbox-relay.js';
import { endOffsets, produce, setGroupOffsets, testKafka, testProducer, tickValue } from './kafka.js';
import { addPosition, newCampaign, outboxSize, type PrivateDatabase, privateDatabase, testLog, uniqueSymbol } from './support.js';

const log = testLog();
const kafka = testKafka('position-metrics-test');
const groupName = (what: string) => `position-test-metrics-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * The position service as main.ts wires it, on a private database: one registry shared by the
 * HTTP side, the marks consumer, the publisher and the outbox's figures.
 */
describe('GET /metrics on the position service (section 11)', () => {
  let db: PrivateDatabase;
  let registry: MetricsRegistry;
  let app: FastifyInstance;
  let publisher: Publisher;
  let producer: Producer;
  let consumer: MarksConsumer;
  let onPublished: (n: number) => void;

  beforeAll(async () => {
    db = await privateDatabase();
    registry = createMetricsRegistry('position');
    app = await buildApp({ log, probes: {}, metrics: registry });
    publisher = createPublisher(kafka, log, { metrics: registry });
    producer = await testProducer(kafka);
    onPublished = outboxMetrics(registry, db.orm.em);
    consumer = createMarksConsumer({
      kafka,
      log,
      em: db.orm.em,
      groupId: groupName('marks'),
      fromBeginning: false,
      deadLetters: publisher,
      metrics: registry,
    });
    await consumer.start();
    await waitFor(() => consumer.running(), { timeoutMs: 60_000, what: 'the marks consumer to join' });
  });
  afterAll(async () => {
    await consumer?.stop();
    await app?.close();
    await producer?.disconnect();
    await publisher?.disconnect();
    await db?.drop();
  });

  async function scrape(): Promise<Exposition> {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(res.body);
  }

  it('counts marks, the marks skipped (section 6) and batch durations; shows the outbox backlog until the relay publishes it', async () => {
    const symbol = uniqueSymbol('MET');
    const campaignId = await newCampaign(db, symbol);
    const entryDate = '2026-11-25T09:00:00Z';
    // Its P&L at 3.00 would not fit NUMERIC(18,8): that mark is skipped.
    const huge = await addPosition(db, campaignId, { pattern: 'SPRING', entry: '1', shares: '9999999999', stop: '0.5', entryDate });
    await addPosition(db, campaignId, { pattern: 'SOS', entry: '1', shares: '10', stop: '0.5', entryDate });
    await db.sql('delete from campaign_events');

    await produce(producer, TOPICS.ticks, symbol, [{ value: tickValue(symbol, '3.00000000', '2026-11-25T10:00:00.000Z') }]);
    const m = await waitFor(
      async () => {
        const e = await scrape();
        return sampleSum(e, 'cpt_marks_skipped_total') >= 1 && e;
      },
      { timeoutMs: 20_000, what: 'the skipped mark to be counted' },
    );
    expect(sampleSum(m, 'cpt_marks_skipped_total')).toBe(1);
    expect(sampleSum(m, 'cpt_mark_ticks_total')).toBeGreaterThanOrEqual(1);
    // Both positions' excursions moved; only the small one's mark.
    expect(sampleSum(m, 'cpt_marks_total')).toBeGreaterThanOrEqual(2);
    expect(sampleSum(m, 'cpt_mark_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sampleSum(m, 'cpt_mark_batch_duration_seconds_sum')).toBeGreaterThan(0);

    // The mark's event waits in the outbox: nothing publishes it yet.
    expect(await outboxSize(db)).toBe(1);
    expect(sampleSum(m, 'cpt_outbox_backlog')).toBe(1);
    const age = sampleSum(m, 'cpt_outbox_oldest_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);

    const relay = createOutboxRelay({ em: db.orm.em, publisher, log, databaseUrl: db.url, pollMs: 50, batchSize: 100, onPublished });
    relay.start();
    try {
      await waitFor(async () => (await outboxSize(db)) === 0, { timeoutMs: 20_000, what: 'the relay to publish the outbox' });
    } finally {
      await relay.stop();
    }
    const after = await scrape();
    expect(sampleSum(after, 'cpt_outbox_backlog')).toBe(0);
    expect(sampleSum(after, 'cpt_outbox_oldest_age_seconds')).toBe(0);
    expect(sampleSum(after, 'cpt_outbox_published_total')).toBe(1);
    expect(sampleSum(after, 'cpt_kafka_publish_duration_seconds_count', { topic: TOPICS.campaignEvents, outcome: 'acknowledged' })).toBe(1);
    expect(forbiddenLabelValues(after, [campaignId, huge, symbol, db.caller.accountId])).toEqual([]);
  });

  it('reports the lag of a consumer group per partition: the high watermark minus its committed offset', async () => {
    const group = groupName('lag');
    const ends = await endOffsets(kafka, TOPICS.ticks);
    // The group stands at the end of every partition but one, three messages short there.
    const symbol = uniqueSymbol('LAG');
    const first = await produce(producer, TOPICS.ticks, symbol, [
      { value: tickValue(symbol, '1.00000000', '2026-11-25T10:00:00.000Z') },
      { value: tickValue(symbol, '1.10000000', '2026-11-25T10:00:01.000Z') },
      { value: tickValue(symbol, '1.20000000', '2026-11-25T10:00:02.000Z') },
    ]);
    await setGroupOffsets(kafka, group, TOPICS.ticks, new Map([...ends].map(([p, o]) => [p, p === first.partition ? first.offset : o])));

    const lag = createConsumerLagMonitor({ kafka, registry, log, groupId: group, topic: TOPICS.ticks, intervalMs: 60_000 });
    try {
      await lag.refresh();
      const m = await scrape();
      const of = (partition: number) => sampleSum(m, 'cpt_kafka_consumer_lag', { topic: TOPICS.ticks, partition: String(partition) });
      // Other suites produce to the shared topic meanwhile: at least what this test left behind.
      expect(of(first.partition)).toBeGreaterThanOrEqual(3);
      const partitions = m.samples.filter((s) => s.name === 'cpt_kafka_consumer_lag' && s.labels.topic === TOPICS.ticks);
      expect(partitions.map((s) => Number(s.labels.partition)).sort((a, b) => a - b)).toEqual([...ends.keys()].sort((a, b) => a - b));
      expect(Object.keys(partitions[0]?.labels ?? {}).sort()).toEqual(['partition', 'service', 'topic']);
    } finally {
      await lag.stop();
    }
  });

  it('leaves out the partitions a group committed nothing on, and every partition while Kafka does not answer', async () => {
    const nowhere = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'position-metrics-test', connectionTimeoutMs: 300 }, log);
    for (const client of [kafka, nowhere]) {
      const isolated = createMetricsRegistry('position');
      const lag = createConsumerLagMonitor({ kafka: client, registry: isolated, log, groupId: groupName('none'), topic: TOPICS.ticks });
      try {
        await lag.refresh();
        const m = parseExposition(await isolated.metrics());
        expect(m.types.get('cpt_kafka_consumer_lag')).toBe('gauge');
        expect(m.samples.filter((s) => s.name === 'cpt_kafka_consumer_lag')).toEqual([]);
      } finally {
        await lag.stop();
      }
    }
  });
});
