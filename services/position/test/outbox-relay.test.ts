import { randomUUID } from 'node:crypto';
import { type MikroORM, openOrm } from '@cpt/application';
import type { CampaignUpdated } from '@cpt/contracts';
import { dec } from '@cpt/domain';
import { createPublisher, type Publisher, TOPICS } from '@cpt/messaging';
import { waitFor } from '@cpt/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboxRelay, type OutboxRelay } from '../src/outbox/outbox-relay.js';
import { type Seen, type Tap, tapTopic, testKafka } from './kafka.js';
import { namedUrl, newCampaign, outboxSize, type PrivateDatabase, privateDatabase, testLog, uniqueSymbol } from './support.js';

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
  function relay(opts: { pollMs?: number; batchSize?: number; listenUrl?: string; em?: MikroORM['em']; publisher?: Publisher } = {}) {
    const r = createOutboxRelay({
      em: opts.em ?? db.orm.em,
      publisher: opts.publisher ?? publisher,
      log,
      databaseUrl: opts.listenUrl ?? db.url,
      pollMs: opts.pollMs ?? NEVER_MS,
      batchSize: opts.batchSize ?? 100,
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
});
