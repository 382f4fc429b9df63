import { randomUUID } from 'node:crypto';
import { type MikroORM, markTicks, openOrm } from '@cpt/application';
import type { CampaignUpdated } from '@cpt/contracts';
import { dec } from '@cpt/domain';
import { createPublisher, type Publisher, TOPICS } from '@cpt/messaging';
import { waitFor } from '@cpt/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDirectPublisher, type DirectPublisher } from '../src/outbox/direct-publisher.js';
import { createOutboxRelay, type OutboxRelay } from '../src/outbox/outbox-relay.js';
import { type Seen, type Tap, tapTopic, testKafka } from './kafka.js';
import {
  addPosition,
  namedUrl,
  newCampaign,
  outboxOf,
  outboxSize,
  type PrivateDatabase,
  privateDatabase,
  testLog,
  uniqueSymbol,
} from './support.js';

// The poll interval of a relay that must not be woken by its timer during a test: what it
// publishes within seconds, it publishes at start, on a notification or on stop().
const NEVER_MS = 60_000;
// A LISTEN connection that is refused: the relay can only poll.
const NO_LISTEN_URL = 'postgres://nobody:nothing@127.0.0.1:1/none';

describe('the outbox relay', () => {
  const kafka = testKafka();
  const log = testLog();
  let db: PrivateDatabase;
  let publisher: Publisher;
  let events: Tap;
  const relays: OutboxRelay[] = [];
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await privateDatabase();
    publisher = createPublisher(kafka, log);
    await publisher.connect();
    events = await tapTopic(kafka, TOPICS.campaignEvents);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    for (const c of cleanup.splice(0)) await c();
  });
  afterAll(async () => {
    await events?.stop();
    await publisher?.disconnect();
    await db?.drop();
  });

  /** A relay on the private database, stopped after the test. */
  function relay(
    opts: {
      pollMs?: number;
      batchSize?: number;
      listenUrl?: string;
      em?: MikroORM['em'];
      publisher?: Publisher;
      committerGraceMs?: number;
    } = {},
  ) {
    const r = createOutboxRelay({
      em: opts.em ?? db.orm.em,
      publisher: opts.publisher ?? publisher,
      log,
      databaseUrl: opts.listenUrl ?? db.url,
      pollMs: opts.pollMs ?? NEVER_MS,
      batchSize: opts.batchSize ?? 100,
      ...(opts.committerGraceMs === undefined ? {} : { committerGraceMs: opts.committerGraceMs }),
    });
    relays.push(r);
    return r;
  }

  /** Records `n` events on a campaign through the commands; returns them in seq order. */
  async function record(campaignId: string, n: number, requestIds = true): Promise<CampaignUpdated[]> {
    const out: CampaignUpdated[] = [];
    for (let i = 0; i < n; i++) {
      const r = await db.commands.addPosition(
        db.caller,
        campaignId,
        {
          patternType: 'SPRING',
          entryPrice: dec('10'),
          shares: dec(String(i + 1)),
          stopLoss: dec('9'),
          entryDate: new Date('2026-11-25T09:00:00Z'),
        },
        requestIds ? { requestId: `req-${campaignId.slice(0, 8)}-${i + 1}` } : {},
      );
      out.push(r.event);
    }
    return out;
  }

  const seqs = (seen: Seen[]) => seen.map((m) => (JSON.parse(m.value) as CampaignUpdated).seq);
  const emptied = () => waitFor(async () => (await outboxSize(db)) === 0, { what: 'the outbox to be empty' });

  it('publishes what commands record to campaign.events, keyed by campaign, with the request id, in seq order, and empties the outbox', async () => {
    const [a, b] = await Promise.all([newCampaign(db, uniqueSymbol()), newCampaign(db, uniqueSymbol())]);
    relay({ pollMs: 100 }).start();
    const [recordedA, recordedB] = await Promise.all([record(a, 6), record(b, 4, false)]);

    const seenA = await events.waitFor(a, 6);
    const seenB = await events.waitFor(b, 4);
    expect(seenA.map((m) => JSON.parse(m.value))).toEqual(recordedA);
    expect(seenB.map((m) => JSON.parse(m.value))).toEqual(recordedB);
    expect(seqs(seenA)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seenA.map((m) => m.headers['x-request-id'])).toEqual([1, 2, 3, 4, 5, 6].map((i) => `req-${a.slice(0, 8)}-${i}`));
    // An event recorded without a request carries no request id.
    expect(seenB.map((m) => m.headers['x-request-id'])).toEqual([undefined, undefined, undefined, undefined]);
    // Every event names its campaign and seq in headers, as its value does.
    expect(seenA.map((m) => [m.headers['campaign-id'], m.headers['campaign-seq']])).toEqual([1, 2, 3, 4, 5, 6].map((i) => [a, String(i)]));
    expect(seenB.map((m) => m.headers['campaign-seq'])).toEqual(['1', '2', '3', '4']);
    await emptied();
  });

  it('publishes at start what was recorded while no relay ran', async () => {
    const id = await newCampaign(db, uniqueSymbol());
    const recorded = await record(id, 3);
    expect(await outboxSize(db)).toBe(3);
    expect(events.of(id)).toEqual([]);

    relay().start();
    expect((await events.waitFor(id, 3)).map((m) => JSON.parse(m.value))).toEqual(recorded);
    await emptied();
  });

  it('is woken by the notification of a commit, long before its poll interval', async () => {
    const id = await newCampaign(db, uniqueSymbol());
    await record(id, 1);
    const listener = `relay-${randomUUID()}`;
    relay({ listenUrl: namedUrl(db.url, listener) }).start();
    // The round at start publishes the first event; then only a notification can wake the relay.
    await events.waitFor(id, 1);
    await emptied();
    await waitFor(
      async () =>
        (await db.sql('select 1 from pg_stat_activity where application_name = $1 and query ilike $2', [listener, 'listen %'])).length ===
        1,
      { what: 'the relay to listen' },
    );

    await record(id, 1);
    expect(seqs(await events.waitFor(id, 2, 5000))).toEqual([1, 2]);
  });

  it('without its LISTEN connection, still publishes by polling', async () => {
    const id = await newCampaign(db, uniqueSymbol());
    relay({ pollMs: 200, listenUrl: NO_LISTEN_URL }).start();
    await record(id, 2);
    expect(seqs(await events.waitFor(id, 2, 10_000))).toEqual([1, 2]);
    await emptied();
  });

  it('publishes on stop() what was recorded since its last round', async () => {
    const id = await newCampaign(db, uniqueSymbol());
    await record(id, 1);
    // Woken neither by notifications nor by its timer.
    const r = relay({ listenUrl: NO_LISTEN_URL });
    r.start();
    await events.waitFor(id, 1);
    await emptied();

    await record(id, 2);
    expect(await outboxSize(db)).toBe(2);
    await r.stop();
    // Published and deleted before stop() returned.
    expect(await outboxSize(db)).toBe(0);
    expect(seqs(await events.waitFor(id, 3))).toEqual([1, 2, 3]);
  });

  it('stopped during a round, stops as that round ends, without waiting out its poll interval', async () => {
    const id = await newCampaign(db, uniqueSymbol());
    await record(id, 1);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let publishing = false;
    // The round at start holds its publish until the relay has been told to stop.
    const held: Publisher = {
      connect: () => publisher.connect(),
      disconnect: async () => undefined,
      publish: async (topic, messages) => {
        publishing = true;
        await released;
        return publisher.publish(topic, messages);
      },
    };
    const r = relay({ publisher: held });
    r.start();
    await waitFor(() => publishing, { what: 'the round at start to publish' });
    const stopped = r.stop();
    release();
    // The poll interval is a minute: before the mend, stop() slept through it.
    let deadline: NodeJS.Timeout | undefined;
    const late = new Promise<string>((resolve) => {
      deadline = setTimeout(() => resolve('still stopping after 10 s'), 10_000);
    });
    expect(await Promise.race([stopped.then(() => 'stopped'), late])).toBe('stopped');
    clearTimeout(deadline);
    expect(seqs(await events.waitFor(id, 1))).toEqual([1]);
    expect(await outboxSize(db)).toBe(0);
  });

  it('two relays at once publish every event exactly once, in seq order per campaign', async () => {
    // Two processes: each relay has its own pool and its own producer.
    const other = await openOrm({ url: db.url, poolMax: 4 });
    const otherPublisher = createPublisher(testKafka('position-test-2'), log);
    cleanup.push(async () => {
      await otherPublisher.disconnect();
      await other.close(true);
    });
    const ids = await Promise.all(Array.from({ length: 4 }, () => newCampaign(db, uniqueSymbol())));
    const first = relay({ pollMs: 20, batchSize: 3 });
    const second = relay({ pollMs: 20, batchSize: 3, em: other.em, publisher: otherPublisher });
    first.start();
    second.start();
    await Promise.all(ids.map((id) => record(id, 12)));
    await emptied();
    // Whatever either relay published is acknowledged once both have stopped.
    await Promise.all([first.stop(), second.stop()]);
    await events.caughtUp();
    for (const id of ids) expect(seqs(events.of(id))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  describe('events published by the batch that committed them', () => {
    /** A campaign of one open position on a symbol of its own. */
    async function campaign(): Promise<{ id: string; symbol: string }> {
      const symbol = uniqueSymbol('D');
      const id = await newCampaign(db, symbol);
      await addPosition(db, id, { pattern: 'SPRING', entry: '10', shares: '100', stop: '9', entryDate: '2026-11-25T09:00:00.000Z' });
      return { id, symbol };
    }

    /** {@link campaign}, its opening's event published by a relay that then stops: the outbox is empty, no relay runs. */
    async function campaignOpenedAndPublished(): Promise<{ id: string; symbol: string }> {
      const a = await campaign();
      relay().start();
      await events.waitFor(a.id, 1);
      await emptied();
      await Promise.all(relays.splice(0).map((r) => r.stop()));
      return a;
    }

    const tick = (symbol: string, price: string, second: number) => ({
      symbol,
      price: `${price}.00000000`,
      ts: `2026-11-25T10:00:${String(second).padStart(2, '0')}.000Z`,
      requestId: `req-${symbol}-${second}`,
    });
    const parsed = (seen: Seen[]) => seen.map((m) => JSON.parse(m.value) as CampaignUpdated);

    it('a batch publishes its events itself, with their request ids, and empties the outbox, with no relay running', async () => {
      const a = await campaign();
      const b = await campaign();
      // The position's opening, published by a relay that then stops.
      const r = relay();
      r.start();
      await events.waitFor(a.id, 1);
      await events.waitFor(b.id, 1);
      await r.stop();
      relays.splice(0);

      const direct = createDirectPublisher({ em: db.orm.em, publisher, log });
      for (let s = 1; s <= 3; s++) {
        const result = await markTicks(db.orm.em, [tick(a.symbol, `1${s}`, s), tick(b.symbol, `2${s}`, s)], { direct });
        expect(result.publishNow.map((e) => e.campaign_id).sort()).toEqual([a.id, b.id].sort());
        direct.publish(result.publishNow);
      }
      await direct.drain();

      const seenA = await events.waitFor(a.id, 4);
      expect(seqs(seenA)).toEqual([1, 2, 3, 4]);
      expect(parsed(seenA).map((e) => e.changed_positions[0]?.current_price)).toEqual([
        '10.00000000',
        '11.00000000',
        '12.00000000',
        '13.00000000',
      ]);
      expect(seenA.slice(1).map((m) => m.headers['x-request-id'])).toEqual([1, 2, 3].map((s) => `req-${a.symbol}-${s}`));
      expect(seenA.map((m) => [m.headers['campaign-id'], m.headers['campaign-seq']])).toEqual([1, 2, 3, 4].map((s) => [a.id, String(s)]));
      expect(seqs(await events.waitFor(b.id, 4))).toEqual([1, 2, 3, 4]);
      expect(await outboxSize(db)).toBe(0);
    });

    it('leaves to the relay the event of a campaign whose older event still waits in the outbox, and the order holds', async () => {
      const a = await campaign();
      // No relay: the opening's event (seq 1) waits in the outbox.
      expect((await outboxOf(db, a.id)).map((e) => e.seq)).toEqual([1]);
      const direct = createDirectPublisher({ em: db.orm.em, publisher, log });
      const result = await markTicks(db.orm.em, [tick(a.symbol, '11', 1)], { direct });
      expect(result.events.map((e) => e.seq)).toEqual([2]);
      expect(result.publishNow).toEqual([]);
      direct.publish(result.publishNow);
      await direct.drain();
      expect((await outboxOf(db, a.id)).map((e) => e.seq)).toEqual([1, 2]);
      expect(events.of(a.id)).toEqual([]);

      relay().start();
      expect(seqs(await events.waitFor(a.id, 2))).toEqual([1, 2]);
      await emptied();
    });

    it('after a publish fails, that event and the later ones of its campaign go through the relay, in seq order', async () => {
      const a = await campaignOpenedAndPublished();

      let failing = true;
      const flaky: Publisher = {
        connect: () => publisher.connect(),
        disconnect: async () => undefined,
        publish: (topic, messages) => (failing ? Promise.reject(new Error('Kafka is away')) : publisher.publish(topic, messages)),
      };
      const direct = createDirectPublisher({ em: db.orm.em, publisher: flaky, log });
      const first = await markTicks(db.orm.em, [tick(a.symbol, '11', 1)], { direct });
      expect(first.publishNow.map((e) => e.campaign_id)).toEqual([a.id]);
      direct.publish(first.publishNow);
      await direct.drain();
      // Not published, still in the outbox: the next batch of the campaign must not overtake it.
      failing = false;
      const second = await markTicks(db.orm.em, [tick(a.symbol, '12', 2)], { direct });
      expect(second.publishNow).toEqual([]);
      expect((await outboxOf(db, a.id)).map((e) => e.seq)).toEqual([2, 3]);
      expect(events.of(a.id).length).toBe(1);

      // A relay publishes them at its start, in id order.
      relay().start();
      expect(seqs(await events.waitFor(a.id, 3))).toEqual([1, 2, 3]);
    });

    it('tells a batch when at most so many batches before it still have events to publish (the backpressure on marks)', async () => {
      const a = await campaignOpenedAndPublished();

      // Kafka takes nothing until the gate opens.
      let open = (): void => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const gated: Publisher = {
        connect: () => publisher.connect(),
        disconnect: async () => undefined,
        publish: async (topic, messages) => {
          await gate;
          await publisher.publish(topic, messages);
        },
      };
      const direct = createDirectPublisher({ em: db.orm.em, publisher: gated, log });
      for (let s = 1; s <= 2; s++) direct.publish((await markTicks(db.orm.em, [tick(a.symbol, `1${s}`, s)], { direct })).publishNow);
      await direct.backlogAtMost(2);
      const settled: number[] = [];
      const one = direct.backlogAtMost(1).then(() => settled.push(1));
      const none = direct.backlogAtMost(0).then(() => settled.push(0));
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toEqual([]);
      expect(await outboxSize(db)).toBe(2);

      open();
      await Promise.all([one, none]);
      expect(settled).toEqual([1, 0]);
      expect(seqs(await events.waitFor(a.id, 3))).toEqual([1, 2, 3]);
      expect(await outboxSize(db)).toBe(0);
    });

    it("the relay's poll leaves alone what its committer is publishing, until it has waited for the grace", async () => {
      const a = await campaign();
      const listener = `relay-${a.id}`;
      relay({ pollMs: 50, committerGraceMs: 1500, listenUrl: namedUrl(db.url, listener) }).start();
      await events.waitFor(a.id, 1);
      await emptied();
      // Listening: its polls now leave young events alone.
      await waitFor(
        async () =>
          (await db.sql('select 1 from pg_stat_activity where application_name = $1 and query ilike $2', [listener, 'listen %'])).length ===
          1,
        { what: 'the relay to listen' },
      );

      // A batch whose committer never publishes (it died after its commit): no notification either.
      const never: DirectPublisher = {
        mayPublish: () => true,
        publish: () => undefined,
        drain: async () => undefined,
        backlogAtMost: async () => undefined,
      };
      const started = Date.now();
      const result = await markTicks(db.orm.em, [tick(a.symbol, '11', 1)], { direct: never });
      expect(result.publishNow.length).toBe(1);
      const [seen] = (await events.waitFor(a.id, 2, 10_000)).slice(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(seen && (JSON.parse(seen.value) as CampaignUpdated).seq).toBe(2);
      await emptied();
    });
  });
});
