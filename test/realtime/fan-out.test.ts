import { openOrm } from '@cpt/application';
import type { EntityManager } from '@mikro-orm/postgresql';

/** Rows of a raw statement (test-only: values are inlined by the ORM). */
const sqlRows = async <T = Record<string, unknown>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> =>
  (await em.execute(sql, params)) as T[];

import { testDatabaseUrl, waitFor } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign, openPosition, uniqueSymbol } from '../support/fixtures.js';
import { type RealtimeStack, startRealtimeStack } from './stack.js';
import { increasing, replay, WsProbe } from './ws-probe.js';

const SUBSCRIBERS = 1000;
const CAMPAIGNS = 10;
const ROUNDS = 30;

describe('1,000 subscribers on one gateway', () => {
  let stack: RealtimeStack;
  beforeAll(async () => {
    stack = await startRealtimeStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('all receive a burst of updates, in seq order, ending at the REST state', { timeout: 120_000 }, async () => {
    const campaigns = await Promise.all(
      Array.from({ length: CAMPAIGNS }, async () => {
        const symbol = uniqueSymbol('FAN');
        const id = await createCampaign(stack.rest, symbol);
        await openPosition(stack.rest, id, {
          pattern_type: 'SPRING',
          entry_price: '100',
          shares: '10',
          stop_loss: '95',
          entry_date: '2026-11-25T09:00:00Z',
        });
        await openPosition(stack.rest, id, {
          pattern_type: 'SOS',
          entry_price: '102',
          shares: '5',
          stop_loss: '99',
          entry_date: '2026-11-25T09:30:00Z',
        });
        return { id, symbol };
      }),
    );
    const gateway = stack.gateways[0]?.url as string;
    const clients: WsProbe[] = [];
    for (let i = 0; i < SUBSCRIBERS; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => WsProbe.open(gateway)))));
    }
    clients.forEach((c, i) => {
      c.subscribe([(campaigns[i % CAMPAIGNS] as { id: string }).id]);
    });
    await waitFor(() => clients.every((c) => c.frames.length > 0), { timeoutMs: 60_000, what: 'every snapshot' });

    // A burst: one tick per campaign per round; a round goes as soon as the first subscriber of
    // each campaign has the previous one, so that the position service does not merge rounds.
    const watchers = clients.slice(0, CAMPAIGNS);
    for (let r = 1; r <= ROUNDS; r++) {
      const ts = new Date(Date.parse('2026-11-25T10:00:00Z') + r * 1000).toISOString();
      await stack.ticks(campaigns.map((c, i) => ({ symbol: c.symbol, price: `${100 + r}.${String(i).padStart(2, '0')}`, ts })));
      await waitFor(() => watchers.every((w) => (w.frames.at(-1)?.totals as { as_of?: string } | undefined)?.as_of === ts), {
        what: `round ${r}`,
      });
    }
    const lastTs = new Date(Date.parse('2026-11-25T10:00:00Z') + ROUNDS * 1000).toISOString();
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 2 });
    try {
      const lastSeq = await waitFor(
        async () => {
          const rows = await sqlRows<{ id: string; last_seq: string; as_of: string | null }>(
            orm.em.fork(),
            // Section 6: the positions carry their symbol's mark, one row a symbol.
            `select c.id::text, c.last_seq::text, (select m.ts from symbol_marks m where m.symbol = c.symbol) as as_of
             from campaigns c where c.id in (?)`,
            [campaigns.map((c) => c.id)],
          );
          const done = rows.every((r) => r.as_of !== null && new Date(r.as_of).toISOString() === lastTs);
          return done ? new Map(rows.map((r) => [r.id, Number(r.last_seq)])) : undefined;
        },
        { timeoutMs: 60_000, what: 'the last marks' },
      );
      await waitFor(() => clients.every((c) => c.frames.at(-1)?.seq === lastSeq.get(c.frames[0]?.campaign_id ?? '')), {
        timeoutMs: 60_000,
        what: 'every subscriber to reach the last seq',
      });
    } finally {
      await orm.close(true);
    }

    const rest = new Map<string, unknown>();
    for (const c of campaigns) rest.set(c.id, (await stack.rest.get(`/api/v1/campaigns/${c.id}/positions`)).body);
    let updates = 0;
    for (const c of clients) {
      const id = c.frames[0]?.campaign_id as string;
      expect(c.frames[0]?.type).toBe('snapshot');
      expect(c.frames.every((f) => f.campaign_id === id)).toBe(true);
      expect(increasing(c.frames)).toBe(true);
      // Nothing is conflated at this volume: every subscriber gets every update after its snapshot.
      expect(c.frames.map((f) => f.seq)).toEqual(c.frames.map((_, i) => (c.frames[0]?.seq ?? 0) + i));
      expect(replay(c.frames)?.data).toEqual(rest.get(id));
      updates += c.frames.length - 1;
    }
    expect(updates).toBe(SUBSCRIBERS * ROUNDS);
    expect((rest.get(campaigns[0]?.id as string) as { as_of: string }).as_of).toBe(lastTs);
    await Promise.all(clients.map((c) => c.close()));
  });
});
