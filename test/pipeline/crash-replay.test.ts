import { type MikroORM, openOrm } from '@cpt/application';
import type { EntityManager } from '@mikro-orm/postgresql';

/** Rows of a raw statement (test-only: values are inlined by the ORM). */
const sqlRows = async <T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> =>
  (await em.execute(sql, params)) as T[];

import { dec, fmt8, positionPnl } from '@cpt/domain';
import { TOPICS } from '@cpt/messaging';
import { testDatabaseUrl, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { client } from '../support/http.js';
import { collect, testKafka, waitForGroupCaughtUp } from '../support/kafka.js';
import { type RunningService, startService } from '../support/services.js';

const SYMBOLS = 20;
const TICKS = 4000;
const PER_REQUEST = 200;
const BASE = Date.parse('2026-11-25T01:00:00Z');

/** A seeded walk, so a failure can be replayed. */
function* prices(seed: number): Generator<string> {
  let s = seed;
  let p = 100_0000; // in units of 1e-4
  for (;;) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    p = Math.max(1, p + ((s % 2001) - 1000));
    yield `${Math.floor(p / 10_000)}.${String(p % 10_000).padStart(4, '0')}`;
  }
}

describe('exactly once in effect', () => {
  const kafka = testKafka();
  const group = `e2e-crash-${Date.now()}`;
  let orm: MikroORM;
  let gateway: RunningService;
  let ingestService: RunningService;
  const extra: RunningService[] = [];

  beforeAll(async () => {
    orm = await openOrm({ url: testDatabaseUrl() });
    [gateway, ingestService] = await Promise.all([startService('gateway'), startService('price-ingest')]);
  });
  afterAll(async () => {
    await Promise.all([gateway.stop(), ingestService.stop(), ...extra.map((s) => s.stop())]);
    await orm.close();
  });

  const rows = async (campaignIds: string[]) =>
    sqlRows(orm.em.fork(), 'select * from positions where campaign_id in (?) order by id', [campaignIds]);
  const lastSeqs = async (campaignIds: string[]) =>
    new Map(
      (
        await sqlRows<{ id: string; last_seq: string }>(orm.em.fork(), 'select id, last_seq::text from campaigns where id in (?)', [
          campaignIds,
        ])
      ).map((r) => [r.id, Number(r.last_seq)]),
    );

  it('survives SIGKILL mid-stream, publishes every seq, and a replay from offset 0 changes nothing', async () => {
    const gw = client(gateway.url);
    const ingest = client(ingestService.url);
    const events = await collect(kafka, TOPICS.campaignEvents);
    const symbols = Array.from({ length: SYMBOLS }, () => uniqueSymbol('K'));
    const campaigns: { id: string; symbol: string; positions: { id: string; entry: string; shares: string }[] }[] = [];
    for (const symbol of symbols) {
      const id = await createCampaign(gw, symbol);
      const a = await openPosition(gw, id, {
        pattern_type: 'SPRING',
        entry_price: '100.0000',
        shares: '10',
        stop_loss: '90',
        entry_date: '2026-11-25T00:00:00Z',
      });
      const b = await openPosition(gw, id, {
        pattern_type: 'SOS',
        entry_price: '101.5000',
        shares: '7.5',
        stop_loss: '95',
        entry_date: '2026-11-25T00:30:00Z',
      });
      campaigns.push({
        id,
        symbol,
        positions: [a, b].map((p) => ({ id: p.id as string, entry: p.entry_price as string, shares: p.shares as string })),
      });
    }
    const walks = symbols.map((_, i) => prices(i + 1));
    const ticks = Array.from({ length: TICKS }, (_, i) => ({
      symbol: symbols[i % SYMBOLS] as string,
      price: (walks[i % SYMBOLS] as Generator<string>).next().value as string,
      ts: new Date(BASE + i * 10).toISOString(),
      source: 'e2e',
    }));
    const post = async (from: number, to: number) => {
      for (let i = from; i < to; i += PER_REQUEST) {
        const r = await ingest.post('/api/v1/ticks', ticks.slice(i, i + PER_REQUEST));
        expect(r.status).toBe(202);
      }
    };

    let position = await startService('position', { CONSUMER_GROUP: group });
    await post(0, TICKS / 4);
    await waitFor(() => position.logs.some((l) => l.msg === 'marks committed'), { what: 'a first committed batch' });
    await post(TICKS / 4, TICKS / 2);
    await position.kill();
    await post(TICKS / 2, (3 * TICKS) / 4);
    position = await startService('position', { CONSUMER_GROUP: group });
    extra.push(position);
    await post((3 * TICKS) / 4, TICKS);
    await waitForGroupCaughtUp(kafka, group);
    const ids = campaigns.map((c) => c.id);
    await waitFor(
      async () =>
        (await sqlRows<{ n: number }>(orm.em.fork(), 'select count(*)::int as n from campaign_events where campaign_id in (?)', [ids]))[0]
          ?.n === 0,
      { what: 'the outbox to drain' },
    );

    // The final state is the one the newest tick of each symbol gives, exactly; the excursions, the
    // one every tick of the symbol gives (all of them after the entries; section 9).
    for (const c of campaigns) {
      const last = [...ticks].reverse().find((t) => t.symbol === c.symbol);
      const seen = ticks.filter((t) => t.symbol === c.symbol).map((t) => dec(t.price));
      const view = (await gw.get<{ positions: Record<string, string>[]; as_of: string }>(`/api/v1/campaigns/${c.id}/positions`)).body;
      expect(view.as_of).toBe(last?.ts);
      for (const p of c.positions) {
        const got = view.positions.find((x) => x.id === p.id);
        const pnl = fmt8(positionPnl('LONG', dec(p.entry), dec(p.shares), dec(last?.price ?? '0')));
        expect([got?.current_price, got?.current_pnl]).toEqual([fmt8(dec(last?.price ?? '0')), pnl]);
        const [high, low] = [
          seen.reduce((a, b) => (b.gt(a) ? b : a), dec(p.entry)),
          seen.reduce((a, b) => (b.lt(a) ? b : a), dec(p.entry)),
        ];
        expect([got?.max_favorable_price, got?.max_adverse_price]).toEqual([fmt8(high), fmt8(low)]);
      }
    }

    // Every committed seq reached campaign.events (a crash may repeat one, never lose one).
    const seqs = await lastSeqs(ids);
    await waitFor(
      () => {
        for (const [id, last] of seqs) {
          const seen = new Set(
            events.messages
              .filter((m) => m.key?.toString() === id)
              .map((m) => (JSON.parse(m.value?.toString() ?? '{}') as { seq: number }).seq),
          );
          for (let s = 1; s <= last; s++) if (!seen.has(s)) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, what: 'every seq on campaign.events' },
    );
    await events.stop();

    // Replaying market.ticks from offset 0 into a new consumer group changes nothing.
    const before = await rows(ids);
    const replayGroup = `${group}-replay`;
    extra.push(await startService('position', { CONSUMER_GROUP: replayGroup }));
    await waitForGroupCaughtUp(kafka, replayGroup, TOPICS.ticks, 120_000);
    expect(await rows(ids)).toEqual(before);
    expect(await lastSeqs(ids)).toEqual(seqs);
    // Each new group reads the shared topic's whole history (every suite's ticks), twice here, and
    // every tick of it now counts (section 9): the replay alone may take the 120 s given above.
  }, 240_000);
});
