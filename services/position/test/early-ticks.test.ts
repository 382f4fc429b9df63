import { createPublisher, TOPICS } from '@cpt/messaging';
import { createLogger, createMetricsRegistry } from '@cpt/platform';
import { waitFor } from '@cpt/testkit';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarksConsumer, type MarksConsumer } from '../src/marks/marks.consumer.js';
import { produce, testKafka, testProducer, tickValue } from './kafka.js';
import { addPosition, newCampaign, type PrivateDatabase, privateDatabase, uniqueSymbol } from './support.js';

const kafka = testKafka('position-early-ticks-test');
const MESSAGE = 'ticks marked nothing: dated before every open position of their symbol';

// A tick dated before every open entry of its symbol marks nothing (section 6). The newcomer who
// typed its timestamp in whole seconds, a moment before the entry_date the server gave the
// position (with milliseconds), saw 202 and a P&L of 0, and nothing else: now the position service
// counts such ticks and says why, once per symbol.
describe('ticks dated before every open entry of their symbol', () => {
  let db: PrivateDatabase;
  let producer: Producer;
  let consumer: MarksConsumer;
  const registry = createMetricsRegistry('position');
  const infos: { fields: Record<string, unknown>; msg: unknown }[] = [];
  const log = createLogger('position-test', 'info', {
    hooks: {
      logMethod(args, _print, level) {
        if (level === 30 && args[1] === MESSAGE) infos.push({ fields: args[0] as Record<string, unknown>, msg: args[1] });
      },
    },
  });
  const sample = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
  const counted = () => sample('cpt_mark_ticks_before_entry_total');

  beforeAll(async () => {
    db = await privateDatabase();
    producer = await testProducer(kafka);
    consumer = createMarksConsumer({
      kafka,
      log,
      em: db.orm.em,
      groupId: `position-test-early-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      fromBeginning: false,
      deadLetters: createPublisher(kafka, log),
      metrics: registry,
    });
    await consumer.start();
    await waitFor(() => consumer.running(), { timeoutMs: 60_000, what: 'the marks consumer to join' });
  });
  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await db?.drop();
  });

  it('counts them, logs the symbol once at info with the reason, and stays quiet for ticks that mark', async () => {
    const symbol = uniqueSymbol('EARLY');
    const campaignId = await newCampaign(db, symbol);
    await addPosition(db, campaignId, {
      pattern: 'SPRING',
      entry: '1.25',
      shares: '8000',
      stop: '1.245',
      entryDate: '2026-11-25T14:00:00.250Z',
    });
    await addPosition(db, campaignId, {
      pattern: 'SOS',
      entry: '1.26',
      shares: '1000',
      stop: '1.255',
      entryDate: '2026-11-25T15:00:00.000Z',
    });

    // Whole seconds, before the first entry's milliseconds.
    await produce(producer, TOPICS.ticks, symbol, [{ value: tickValue(symbol, '1.25750000', '2026-11-25T14:00:00.000Z') }]);
    await waitFor(() => consumer.stats().ticksBeforeEntry >= 1, { timeoutMs: 20_000, what: 'the early tick to be counted' });
    expect(infos).toHaveLength(1);
    expect(infos[0]?.fields).toMatchObject({
      symbol,
      ticks: 1,
      newestTickTs: '2026-11-25T14:00:00.000Z',
      earliestEntry: '2026-11-25T14:00:00.250Z',
      openPositions: 2,
      reason: expect.stringMatching(/before the entry_date of each of its open positions/),
    });
    expect(await counted()).toBe(1);

    // Two more of them: counted, not logged again.
    await produce(producer, TOPICS.ticks, symbol, [
      { value: tickValue(symbol, '1.25800000', '2026-11-25T13:59:00.000Z') },
      { value: tickValue(symbol, '1.25810000', '2026-11-25T13:59:30.000Z') },
    ]);
    await waitFor(() => consumer.stats().ticksBeforeEntry >= 3, { timeoutMs: 20_000, what: 'the next early ticks to be counted' });
    expect(infos).toHaveLength(1);
    expect(await counted()).toBe(3);

    // A tick at the entry marks the first position: nothing to count, nothing to say.
    await produce(producer, TOPICS.ticks, symbol, [{ value: tickValue(symbol, '1.25900000', '2026-11-25T14:00:00.250Z') }]);
    await waitFor(
      async () => {
        const [p] = (await db.reads.getCampaignPositions(db.caller.accountId, campaignId, { includeClosed: true })).data.positions;
        return p?.marked_at === '2026-11-25T14:00:00.250Z';
      },
      { timeoutMs: 20_000, what: 'the mark at the entry' },
    );
    // A symbol without open positions is no case either.
    const other = uniqueSymbol('NONE');
    await produce(producer, TOPICS.ticks, other, [{ value: tickValue(other, '2.00000000', '2026-11-25T14:00:00.000Z') }]);
    await waitFor(async () => (await sample('cpt_mark_ticks_total')) >= 5, { timeoutMs: 20_000, what: 'the last tick to be applied' });
    expect(consumer.stats().ticksBeforeEntry).toBe(3);
    expect(infos).toHaveLength(1);
  });
});
