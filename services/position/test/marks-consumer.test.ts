import { type BatchConsumer, createPublisher, TOPICS } from '@cpt/messaging';
import { createLogger } from '@cpt/platform';
import { waitFor } from '@cpt/testkit';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMarksConsumer } from '../src/marks/marks.consumer.js';
import {
  committedOffset,
  endOffsets,
  type Produced,
  produce,
  recordingPublisher,
  type Sent,
  setGroupOffsets,
  type Tap,
  tapTopic,
  testKafka,
  testProducer,
  tickValue,
  waitForCommitted,
} from './kafka.js';
import { addPosition, newCampaign, outboxOf, type PrivateDatabase, privateDatabase, testLog, uniqueSymbol } from './support.js';

const log = testLog();
const kafka = testKafka();
let db: PrivateDatabase;
let deadLetters: ReturnType<typeof recordingPublisher>;
let producer: Producer;

beforeAll(async () => {
  db = await privateDatabase();
  deadLetters = recordingPublisher(createPublisher(kafka, log));
  producer = await testProducer(kafka);
});
afterAll(async () => {
  await producer?.disconnect();
  await deadLetters?.disconnect();
  await db?.drop();
});

const groupName = (what: string) => `position-test-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/**
 * A marks consumer on the private database, in a group of its own: a new group reads what is
 * produced from now on, or from its committed offsets when it has some.
 */
async function startConsumer(groupId: string, fromBeginning = false): Promise<BatchConsumer> {
  const c = createMarksConsumer({ kafka, log, em: db.orm.em, groupId, fromBeginning, deadLetters });
  await c.start();
  await waitFor(() => c.running(), { timeoutMs: 60_000, what: `the marks consumer of ${groupId} to join` });
  return c;
}

const tick = (symbol: string, price: string, ts: string, requestId?: string) => ({
  value: tickValue(symbol, price, ts),
  ...(requestId ? { headers: { 'x-request-id': requestId } } : {}),
});

const positions = async (campaignId: string) =>
  (await db.reads.getCampaignPositions(db.caller.accountId, campaignId, { includeClosed: true })).data.positions;
const seqOf = async (campaignId: string) =>
  (await db.reads.getCampaignPositions(db.caller.accountId, campaignId, { includeClosed: true })).seq;

/**
 * Waits until the consumers of this file dead-lettered `count` messages of `key`. Every consumer
 * of the shared topic dead-letters the same poison, so what reached the topic may hold more.
 */
const deadLettered = (key: string, count: number): Promise<Sent[]> =>
  waitFor(() => deadLetters.sent(key).length >= count && deadLetters.sent(key), {
    timeoutMs: 15_000,
    what: `${count} dead letters of ${key} (have ${deadLetters.sent(key).length})`,
  });

/** Waits until every listed position carries the mark of `ts`. */
const markedAt = (campaignId: string, ids: string[], ts: string) =>
  waitFor(
    async () => {
      const ps = await positions(campaignId);
      return ids.every((id) => ps.find((p) => p.id === id)?.marked_at === ts) && ps;
    },
    { timeoutMs: 15_000, what: `marks of ${ts} on campaign ${campaignId}` },
  );

describe('the marks consumer', () => {
  const group = groupName('marks');
  let consumer: BatchConsumer;
  let dlq: Tap;

  beforeAll(async () => {
    dlq = await tapTopic(kafka, TOPICS.ticksDeadLetter);
    consumer = await startConsumer(group);
  });
  afterAll(async () => {
    await consumer?.stop();
    await dlq?.stop();
  });

  it('marks the open positions of a symbol with its newest tick, exactly, with one event per campaign per batch', async () => {
    const symbol = uniqueSymbol();
    const long = await newCampaign(db, symbol, 'LONG');
    const short = await newCampaign(db, symbol, 'SHORT');
    const spring = await addPosition(db, long, {
      pattern: 'SPRING',
      entry: '1.25',
      shares: '8000',
      stop: '1.245',
      entryDate: '2026-11-25T09:00:00Z',
    });
    const sos = await addPosition(db, long, {
      pattern: 'SOS',
      entry: '1.2550',
      shares: '6000',
      stop: '1.25',
      entryDate: '2026-11-25T09:30:00Z',
    });
    const later = await addPosition(db, long, {
      pattern: 'LPS',
      entry: '1.26',
      shares: '1000',
      stop: '1.255',
      entryDate: '2026-11-25T10:30:00Z',
    });
    const utad = await addPosition(db, short, {
      pattern: 'UTAD',
      entry: '1.26',
      shares: '1000.5',
      stop: '1.27',
      entryDate: '2026-11-25T09:00:00Z',
    });
    const [seqLong, seqShort] = [await seqOf(long), await seqOf(short)];

    // One request: one record batch, so one batch of the consumer.
    await produce(producer, TOPICS.ticks, symbol, [
      tick(symbol, '1.25000000', '2026-11-25T10:00:00.000Z', 'tick-1'),
      tick(symbol, '1.25753335', '2026-11-25T10:00:02.000Z', 'tick-2'),
      tick(symbol, '1.30000000', '2026-11-25T10:00:01.000Z', 'tick-3'),
    ]);
    const ts = '2026-11-25T10:00:02.000Z';
    const longView = await markedAt(long, [spring, sos], ts);
    const shortView = await markedAt(short, [utad], ts);

    const figures = (ps: typeof longView) => ps.map((p) => [p.id, p.current_price, p.current_pnl, p.marked_at]);
    expect(figures(longView)).toEqual([
      [spring, '1.25753335', '60.26680000', ts],
      [sos, '1.25753335', '15.20010000', ts],
      // Entered after the tick: not marked by it.
      [later, '1.26000000', '0.00000000', null],
    ]);
    // SHORT: (1.26 - 1.25753335) × 1000.5 = 2.467883325, rounded half to even.
    expect(figures(shortView)).toEqual([[utad, '1.25753335', '2.46788332', ts]]);
    // Every tick of the batch moves the excursions (section 9), not only the newest: 1.30 and 1.25
    // were superseded as marks. R over the distance to the initial stop (0.005; UTAD 0.01).
    const excursions = (ps: typeof longView) => ps.map((p) => [p.id, p.max_favorable_price, p.max_adverse_price, p.mfe_r, p.mae_r]);
    expect(excursions(longView)).toEqual([
      [spring, '1.30000000', '1.25000000', '10.00000000', '0.00000000'],
      [sos, '1.30000000', '1.25000000', '9.00000000', '1.00000000'],
      [later, '1.26000000', '1.26000000', '0.00000000', '0.00000000'],
    ]);
    expect(excursions(shortView)).toEqual([[utad, '1.25000000', '1.30000000', '1.00000000', '4.00000000']]);

    // One event per campaign for the whole batch, carrying the request id of the tick that marked.
    expect([await seqOf(long), await seqOf(short)]).toEqual([seqLong + 1, seqShort + 1]);
    expect((await outboxOf(db, long)).at(-1)).toMatchObject({
      seq: seqLong + 1,
      request_id: 'tick-2',
      payload: {
        type: 'campaign_updated',
        reason: 'marked',
        changed_positions: [{ id: spring }, { id: sos }],
        totals: { unrealized_pnl: '75.46690000' },
      },
    });
    expect((await outboxOf(db, short)).at(-1)).toMatchObject({ seq: seqShort + 1, request_id: 'tick-2', payload: { reason: 'marked' } });
  });

  it('sends malformed values to market.ticks.dlq with a short error header, and applies the tick after them', async () => {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const poison = [
      'not json at all',
      '',
      JSON.stringify({ v: 2, symbol, price: '11.00000000', ts: '2026-11-25T10:00:00.000Z' }),
      tickValue(symbol, '1e3', '2026-11-25T10:00:00.000Z'),
      tickValue(symbol, '11.00000000', 'yesterday'),
    ];
    await produce(producer, TOPICS.ticks, symbol, [
      ...poison.map((value) => ({ value, headers: { 'x-request-id': `poison-${symbol}` } })),
      tick(symbol, '11.50000000', '2026-11-25T10:00:00.000Z'),
    ]);

    const [marked] = await markedAt(id, [p], '2026-11-25T10:00:00.000Z');
    expect([marked?.current_price, marked?.current_pnl]).toEqual(['11.50000000', '150.00000000']);
    const dead = await deadLettered(symbol, poison.length);
    expect(dead.map((m) => [m.topic, m.value])).toEqual(poison.map((value) => [TOPICS.ticksDeadLetter, value]));
    for (const m of dead) {
      expect(m.headers).toMatchObject({ 'x-request-id': `poison-${symbol}`, 'original-topic': TOPICS.ticks });
      expect(m.headers.error).toMatch(/.+/);
      expect(m.headers.error?.length).toBeLessThanOrEqual(300);
      expect(m.headers.error).not.toMatch(/\b(select|update|insert|delete)\b/i);
    }
    // And they are on the topic.
    await dlq.waitFor(symbol, poison.length);
    expect(new Set(dlq.of(symbol).map((m) => m.value))).toEqual(new Set(poison));
  });

  /**
   * A tick of the v1 shape whose price NUMERIC(18,8) cannot hold, on a position small enough that
   * its P&L would fit: it must never reach the database. A valid tick follows it.
   */
  async function refusedTick() {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '0.001', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const huge = tickValue(symbol, '12345678901.00000000', '2026-11-25T10:00:05.000Z');
    // The valid tick is older: it cannot hide the refused one when both arrive in one batch.
    await produce(producer, TOPICS.ticks, symbol, [{ value: huge }, tick(symbol, '11.00000000', '2026-11-25T10:00:03.000Z')]);
    const [marked] = await markedAt(id, [p], '2026-11-25T10:00:03.000Z');
    const [dead] = await deadLettered(symbol, 1);
    return { huge, marked, dead };
  }

  it('sends a tick the database could not hold to market.ticks.dlq, and applies the tick after it', async () => {
    const { huge, marked, dead } = await refusedTick();
    expect(marked?.current_price).toBe('11.00000000');
    expect([dead?.topic, dead?.value]).toEqual([TOPICS.ticksDeadLetter, huge]);
    expect(dead?.headers.error).toMatch(/.+/);
  });

  // The header once held the driver's message: the whole UPDATE statement, cut at 1000 characters.
  it('gives such a tick an error header that is short, names the field and holds no SQL', async () => {
    const { dead } = await refusedTick();
    expect(dead?.headers.error?.length).toBeLessThanOrEqual(300);
    expect(dead?.headers.error).toMatch(/^price: /);
    expect(dead?.headers.error).not.toMatch(/\b(select|update|insert|delete)\b/i);
  });

  it('dead-letters a tick dated year 0000 or on an impossible day, and marks the others of its batch', async () => {
    const [a, b] = [uniqueSymbol(), uniqueSymbol()];
    const [ida, idb] = await Promise.all([newCampaign(db, a), newCampaign(db, b)]);
    const pa = await addPosition(db, ida, { pattern: 'SPRING', entry: '10', shares: '1', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const pb = await addPosition(db, idb, { pattern: 'SPRING', entry: '10', shares: '1', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const bad = [tickValue(a, '11.00000000', '0000-01-01T00:00:00.000Z'), tickValue(a, '11.00000000', '2026-02-30T00:00:00.000Z')];
    await produce(producer, TOPICS.ticks, a, [tick(a, '12.00000000', '2026-11-25T10:00:00.000Z'), ...bad.map((value) => ({ value }))]);
    await produce(producer, TOPICS.ticks, b, [tick(b, '13.00000000', '2026-11-25T10:00:00.000Z')]);
    await markedAt(ida, [pa], '2026-11-25T10:00:00.000Z');
    await markedAt(idb, [pb], '2026-11-25T10:00:00.000Z');
    const dead = await deadLettered(a, 2);
    expect(dead.map((m) => m.value)).toEqual(bad);
    for (const m of dead) expect(m.headers.error).toMatch(/^ts: /);
  });

  // The v1 schema of market.ticks took a price of any sign (price-ingest refused them, the consumer
  // did not), and the position was marked at -5.00000000.
  it('sends a tick priced at zero or below to market.ticks.dlq and keeps the mark', async () => {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '12.00000000', '2026-11-25T10:00:00.000Z')]);
    await markedAt(id, [p], '2026-11-25T10:00:00.000Z');
    const bad = [tickValue(symbol, '0.00000000', '2026-11-25T10:00:01.000Z'), tickValue(symbol, '-5.00000000', '2026-11-25T10:00:02.000Z')];
    for (const value of bad) await waitForCommitted(kafka, group, TOPICS.ticks, await produce(producer, TOPICS.ticks, symbol, [{ value }]));

    expect((await positions(id))[0]).toMatchObject({ current_price: '12.00000000', marked_at: '2026-11-25T10:00:00.000Z' });
    expect((await deadLettered(symbol, 2)).map((m) => m.value)).toEqual(bad);
  });

  it('changes nothing for a tick older than the mark or as old as it, priced within the excursions', async () => {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '12.00000000', '2026-11-25T10:00:00.000Z')]);
    await markedAt(id, [p], '2026-11-25T10:00:00.000Z');
    const before = { positions: await positions(id), seq: await seqOf(id), events: (await outboxOf(db, id)).length };
    expect(before.positions[0]).toMatchObject({ max_favorable_price: '12.00000000', max_adverse_price: '10.00000000' });

    const older = await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '11.00000000', '2026-11-25T09:59:59.999Z')]);
    const same = await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '10.00000000', '2026-11-25T10:00:00.000Z')]);
    // Committed past them: both were processed.
    await waitForCommitted(kafka, group, TOPICS.ticks, older);
    await waitForCommitted(kafka, group, TOPICS.ticks, same);
    expect({ positions: await positions(id), seq: await seqOf(id), events: (await outboxOf(db, id)).length }).toEqual(before);
  });

  // Section 9: a late tick still counts for the excursions; it never moves the mark.
  it('moves only the excursions for a tick older than the mark priced beyond them, with one marked event', async () => {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '12.00000000', '2026-11-25T10:00:00.000Z')]);
    const [before] = await markedAt(id, [p], '2026-11-25T10:00:00.000Z');
    const seq = await seqOf(id);
    const events = (await outboxOf(db, id)).length;

    const older = await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '13.00000000', '2026-11-25T09:59:59.999Z', 'late-tick')]);
    await waitForCommitted(kafka, group, TOPICS.ticks, older);
    const [after] = await positions(id);
    expect(after).toEqual({ ...before, max_favorable_price: '13.00000000', mfe_r: '3.00000000', updated_at: after?.updated_at });
    expect(after).toMatchObject({ current_price: '12.00000000', current_pnl: '200.00000000', marked_at: '2026-11-25T10:00:00.000Z' });
    expect(await seqOf(id)).toBe(seq + 1);
    const outbox = await outboxOf(db, id);
    expect(outbox).toHaveLength(events + 1);
    expect(outbox.at(-1)).toMatchObject({
      seq: seq + 1,
      request_id: 'late-tick',
      payload: {
        reason: 'marked',
        changed_positions: [
          { id: p, current_price: '12.00000000', marked_at: '2026-11-25T10:00:00.000Z', max_favorable_price: '13.00000000' },
        ],
      },
    });

    // As old as the mark, beyond the excursions on the other side: the same.
    const same = await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '9.50000000', '2026-11-25T10:00:00.000Z')]);
    await waitForCommitted(kafka, group, TOPICS.ticks, same);
    expect((await positions(id))[0]).toMatchObject({
      current_price: '12.00000000',
      current_pnl: '200.00000000',
      marked_at: '2026-11-25T10:00:00.000Z',
      max_favorable_price: '13.00000000',
      max_adverse_price: '9.50000000',
      mae_r: '0.50000000',
    });
    expect([await seqOf(id), (await outboxOf(db, id)).length]).toEqual([seq + 2, events + 2]);
  });

  it('changes nothing when a new consumer group replays the same ticks', async () => {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const from = await endOffsets(kafka, TOPICS.ticks);
    let last: Produced | undefined;
    for (const [price, ts] of [
      ['10.50000000', '2026-11-25T10:00:00.000Z'],
      ['10.25000000', '2026-11-25T10:00:01.000Z'],
      ['10.75000000', '2026-11-25T10:00:00.500Z'],
    ] as const) {
      last = await produce(producer, TOPICS.ticks, symbol, [tick(symbol, price, ts)]);
    }
    // The late 10.75 never marks, but counts for the excursions; it may come in a batch after the
    // mark's, so the wait is for both.
    const settled = {
      current_price: '10.25000000',
      current_pnl: '25.00000000',
      marked_at: '2026-11-25T10:00:01.000Z',
      max_favorable_price: '10.75000000',
      max_adverse_price: '10.00000000',
    };
    await waitFor(
      async () => {
        const [only] = await positions(id);
        return only !== undefined && Object.entries(settled).every(([k, v]) => only[k as keyof typeof only] === v);
      },
      { timeoutMs: 15_000, what: `position ${p} at ${JSON.stringify(settled)}` },
    );
    const before = { positions: await positions(id), seq: await seqOf(id), events: await outboxOf(db, id) };
    expect(before.positions[0]).toMatchObject(settled);

    // The new group starts where these ticks start: the shared topic's history before them belongs to other suites.
    const replayGroup = groupName('replay');
    await setGroupOffsets(kafka, replayGroup, TOPICS.ticks, from);
    const replay = await startConsumer(replayGroup, true);
    try {
      await waitForCommitted(kafka, replayGroup, TOPICS.ticks, last as Produced);
    } finally {
      await replay.stop();
    }
    expect({ positions: await positions(id), seq: await seqOf(id), events: await outboxOf(db, id) }).toEqual(before);
  });
});

describe('the offsets of the marks consumer', () => {
  it('are committed only once the marks are: a failed transaction is retried, and stop() commits what was applied', async () => {
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const group = groupName('offsets');
    const consumer = await startConsumer(group);
    const holder = await db.connect();
    let at: Produced | undefined;
    try {
      // Hold the campaign's row lock: the marks transaction waits for it.
      await holder.query('begin');
      await holder.query('select 1 from campaigns where id = $1 for update', [id]);
      const [{ pid }] = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows as [{ pid: number }];
      at = await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '12.00000000', '2026-11-25T10:00:00.000Z')]);
      const blocked = await waitFor(
        async () =>
          (await db.sql<{ pid: number }>('select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [pid]))[0]?.pid,
        { what: 'the marks transaction to wait for the lock' },
      );
      // The tick is in a transaction that has not committed: its offset is not committed either.
      expect(await committedOffset(kafka, group, TOPICS.ticks, at.partition)).toBeLessThanOrEqual(at.offset);

      // The transaction dies with its connection.
      await db.sql('select pg_terminate_backend($1)', [blocked]);
      await holder.query('rollback');
      const [marked] = await markedAt(id, [p], '2026-11-25T10:00:00.000Z');
      expect(marked?.current_price).toBe('12.00000000');
      expect(deadLetters.sent(symbol)).toEqual([]);
    } finally {
      await holder.end();
      await consumer.stop();
    }
    // Left the group with the tick committed: a restart would not process it again.
    expect(await committedOffset(kafka, group, TOPICS.ticks, (at as Produced).partition)).toBeGreaterThan((at as Produced).offset);
  });
});

// Section 6: a mark whose P&L would not fit NUMERIC(18,8) is not applied to that position, and is
// reported: a warning naming the position and the tick, and a count. Before, the overflow failed
// the batch's statement, so that no position of the symbol moved and the tick went to the DLQ.
describe('a mark that would not fit NUMERIC(18,8)', () => {
  it('marks the other positions of the symbol, keeps that one’s mark, logs a warning and counts it', async () => {
    const warnings: { fields: Record<string, unknown>; msg: unknown }[] = [];
    const recording = createLogger('position-test', 'warn', {
      hooks: {
        // Recorded, not printed.
        logMethod(args, _print, level) {
          if (level === 40) warnings.push({ fields: args[0] as Record<string, unknown>, msg: args[1] });
        },
      },
    });
    const group = groupName('overflow');
    const consumer = createMarksConsumer({ kafka, log: recording, em: db.orm.em, groupId: group, fromBeginning: false, deadLetters });
    await consumer.start();
    try {
      await waitFor(() => consumer.running(), { timeoutMs: 30_000, what: 'the marks consumer to join' });
      const symbol = uniqueSymbol();
      const id = await newCampaign(db, symbol);
      const entryDate = '2026-11-25T09:00:00Z';
      const huge = await addPosition(db, id, { pattern: 'SPRING', entry: '1', shares: '9999999999', stop: '0.5', entryDate });
      const small = await addPosition(db, id, { pattern: 'SOS', entry: '1', shares: '10', stop: '0.5', entryDate });

      await produce(producer, TOPICS.ticks, symbol, [tick(symbol, '3.00000000', '2026-11-25T10:00:00.000Z')]);
      const after = await markedAt(id, [small], '2026-11-25T10:00:00.000Z');
      expect(after.find((p) => p.id === small)).toMatchObject({ current_price: '3.00000000', current_pnl: '20.00000000' });
      // Its excursions still move (section 9): only the mark is not applied.
      expect(after.find((p) => p.id === huge)).toMatchObject({
        current_price: '1.00000000',
        current_pnl: '0.00000000',
        marked_at: null,
        max_favorable_price: '3.00000000',
        mfe_r: '4.00000000',
      });

      const warned = await waitFor(() => warnings.find((w) => w.fields.positionId === huge), { what: 'the warning of the skipped mark' });
      expect(warned.fields).toMatchObject({
        positionId: huge,
        campaignId: id,
        symbol,
        price: '3.00000000',
        ts: '2026-11-25T10:00:00.000Z',
      });
      expect(String(warned.msg)).toMatch(/NUMERIC\(18,8\)/);
      expect(consumer.stats().marksSkipped).toBe(1);
      expect(deadLetters.sent(symbol)).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });
});

/**
 * The EntityManager, except that the first `count` marks transactions lose their connection right
 * after they began, as when PostgreSQL stops under the service: the server ends the session, and
 * the transaction's next statement fails with pg's "Client has encountered a connection error and
 * is not queryable".
 */
function losingConnections(em: EntityManager, count: number): { em: EntityManager; lost: () => number } {
  let lost = 0;
  const fork = em.fork.bind(em);
  const wrapped = Object.create(em) as EntityManager;
  wrapped.fork = ((...args: Parameters<EntityManager['fork']>) => {
    const f = fork(...args);
    const transactional = f.transactional.bind(f);
    f.transactional = ((work: (tx: EntityManager) => Promise<unknown>, o?: object) =>
      transactional(async (tx) => {
        if (lost < count) {
          lost++;
          const [row] = await tx.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
          await db.sql('select pg_terminate_backend($1)', [row?.pid]);
          await new Promise((r) => setTimeout(r, 200));
        }
        return work(tx as EntityManager);
      }, o)) as EntityManager['transactional'];
    return f;
  }) as EntityManager['fork'];
  return { em: wrapped, lost: () => lost };
}

// A drill stopped PostgreSQL under the position service: the marks transaction failed with pg's
// "not queryable", which was not taken for an outage, so the batch was retried message by message
// and valid ticks went to the dead-letter topic.
describe('the marks consumer while PostgreSQL goes away', () => {
  it('retries the whole batch until the database answers again, and dead-letters nothing', async () => {
    const retries: unknown[] = [];
    const recording = createLogger('position-test', 'warn', {
      hooks: {
        logMethod(args, _print, level) {
          if (level === 40 && args[1] === 'a dependency is unavailable; retrying the batch') retries.push(args[0]);
        },
      },
    });
    const symbol = uniqueSymbol();
    const id = await newCampaign(db, symbol);
    const p = await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00Z' });
    const failing = losingConnections(db.orm.em, 2);
    const group = groupName('outage');
    const consumer = createMarksConsumer({ kafka, log: recording, em: failing.em, groupId: group, fromBeginning: false, deadLetters });
    await consumer.start();
    try {
      await waitFor(() => consumer.running(), { timeoutMs: 30_000, what: 'the marks consumer to join' });
      const at = await produce(producer, TOPICS.ticks, symbol, [
        tick(symbol, '11.00000000', '2026-11-25T10:00:00.000Z'),
        tick(symbol, '12.00000000', '2026-11-25T10:00:01.000Z'),
      ]);
      const [marked] = await markedAt(id, [p], '2026-11-25T10:00:01.000Z');
      expect(marked).toMatchObject({ current_price: '12.00000000', current_pnl: '200.00000000', max_adverse_price: '10.00000000' });
      await waitForCommitted(kafka, group, TOPICS.ticks, at);
      expect(deadLetters.sent(symbol).map((m) => m.value)).toEqual([]);
      expect(failing.lost()).toBe(2);
      expect(retries.length).toBeGreaterThanOrEqual(2);
    } finally {
      await consumer.stop();
    }
  });
});
