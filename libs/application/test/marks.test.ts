import { campaignUpdatedSchema, MARK_FIELDS } from '@cpt/contracts';
import type { Caller } from '@cpt/domain';
import { dec, fmt8, positionPnl, round8, type Side } from '@cpt/domain';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, CampaignReads, type Mark, markPositions } from '../src/index.js';
import { at, campaignState, newCaller, newCampaign, openTestOrm, outboxRows, positionRows, uniqueSymbol } from './support.js';

/** A position to open: entry price and shares as decimal text, entry at a second of the test clock. */
interface Entry {
  entry: string;
  shares: string;
  second: number;
}

const tick = (symbol: string, price: string, second: number): Mark => ({ symbol, price: dec(price), ts: at(second) });

describe('marks (contract section 6)', () => {
  let orm: MikroORM;
  let caller: Caller;
  let commands: CampaignCommands;
  let reads: CampaignReads;
  beforeAll(async () => {
    orm = await openTestOrm();
    caller = await newCaller(orm);
    commands = new CampaignCommands(orm.em);
    reads = new CampaignReads(orm.em);
  });
  afterAll(async () => orm.close());

  /** A campaign on the symbol with the given positions; returns the position ids in entry order. */
  async function campaign(side: Side, symbol: string, entries: Entry[]): Promise<{ id: string; positions: string[] }> {
    const c = await newCampaign(commands, caller, side, symbol);
    const positions: string[] = [];
    for (const e of entries) {
      const entryPrice = dec(e.entry);
      const r = await commands.addPosition(caller, c.id, {
        patternType: side === 'LONG' ? 'SPRING' : 'UTAD',
        entryPrice,
        shares: dec(e.shares),
        stopLoss: round8(side === 'LONG' ? entryPrice.mul('0.9') : entryPrice.mul('1.1')),
        entryDate: at(e.second),
      });
      positions.push(r.position.id);
    }
    return { id: c.id, positions };
  }

  const state = (campaignId: string) => campaignState(orm.em, campaignId);
  const mark = (marks: Mark[]) => markPositions(orm.em, marks);
  const rowOf = async (campaignId: string, positionId: string) => {
    const row = (await positionRows(orm.em, campaignId)).find((r) => r.id === positionId);
    if (!row) throw new Error(`position ${positionId} is missing`);
    return row;
  };

  it('marks every OPEN position of the symbol whose entry_date is not after the tick, in every campaign', async () => {
    const s = uniqueSymbol();
    const long = await campaign('LONG', s, [
      { entry: '1.25', shares: '8000', second: 0 },
      { entry: '1.30', shares: '1000.5', second: 10 },
      { entry: '1.40', shares: '10', second: 20 },
    ]);
    const short = await campaign('SHORT', s, [
      { entry: '1.33333333', shares: '3.33333333', second: 5 },
      { entry: '1.50', shares: '7', second: 15 },
    ]);
    const result = await mark([tick(s, '1.25750001', 10)]);
    expect(result.marked).toBe(3);
    expect(result.events.map((e) => e.campaign_id).sort()).toEqual([long.id, short.id].sort());

    const expectMarked = async (campaignId: string, positionId: string, side: Side) => {
      const row = await rowOf(campaignId, positionId);
      expect(row.current_price).toBe('1.25750001');
      expect(row.current_pnl).toBe(fmt8(positionPnl(side, dec(row.entry_price), dec(row.shares), dec('1.25750001'))));
      expect(new Date(row.marked_at ?? '').toISOString()).toBe(at(10).toISOString());
      // Section 9: the excursions span the entry and the tick, favorable on the side that gains.
      const gains = positionPnl(side, dec(row.entry_price), dec(row.shares), dec('1.25750001')).gt(0);
      expect([row.max_favorable_price, row.max_adverse_price]).toEqual(
        gains ? ['1.25750001', row.entry_price] : [row.entry_price, '1.25750001'],
      );
    };
    const expectUnmarked = async (campaignId: string, positionId: string) => {
      const row = await rowOf(campaignId, positionId);
      expect(row.current_price).toBe(row.entry_price);
      expect(row.current_pnl).toBe('0.00000000');
      expect(row.marked_at).toBeNull();
      expect([row.max_favorable_price, row.max_adverse_price]).toEqual([row.entry_price, row.entry_price]);
    };
    await expectMarked(long.id, long.positions[0] as string, 'LONG');
    await expectMarked(long.id, long.positions[1] as string, 'LONG');
    await expectUnmarked(long.id, long.positions[2] as string);
    await expectMarked(short.id, short.positions[0] as string, 'SHORT');
    await expectUnmarked(short.id, short.positions[1] as string);
  });

  it('changes nothing for a tick before the entry_date', async () => {
    const s = uniqueSymbol();
    const c = await campaign('LONG', s, [{ entry: '100', shares: '5', second: 30 }]);
    const before = await state(c.id);
    expect(await mark([tick(s, '101', 29)])).toMatchObject({ marked: 0, events: [] });
    expect(await state(c.id)).toEqual(before);
  });

  it('changes nothing for a late tick or a tick at the instant already marked, priced within the excursions', async () => {
    const s = uniqueSymbol();
    const c = await campaign('SHORT', s, [{ entry: '100', shares: '5', second: 0 }]);
    await mark([tick(s, '99', 20)]);
    const before = await state(c.id);
    expect(before.positions[0]).toMatchObject({ max_favorable_price: '99.00000000', max_adverse_price: '100.00000000' });
    expect(await mark([tick(s, '99.5', 19)])).toMatchObject({ marked: 0, events: [] });
    expect(await mark([tick(s, '100', 20)])).toMatchObject({ marked: 0, events: [] });
    expect(await mark([tick(s, '99.25', 1), tick(s, '99', 20)])).toMatchObject({ marked: 0, events: [] });
    expect(await state(c.id)).toEqual(before);
    expect((await rowOf(c.id, c.positions[0] as string)).current_pnl).toBe('5.00000000');
  });

  // Section 9: a tick that does not become the mark still counts for the excursions.
  it('moves only the excursions for a late tick or a tick at the instant already marked, priced beyond them', async () => {
    const s = uniqueSymbol();
    const c = await campaign('SHORT', s, [{ entry: '100', shares: '5', second: 0 }]);
    const id = c.positions[0] as string;
    await mark([tick(s, '99', 20)]);
    const before = await state(c.id);
    const markOf = (row: { current_price: string; current_pnl: string; marked_at: string | null }) => [
      row.current_price,
      row.current_pnl,
      row.marked_at,
    ];

    // Late, below the lowest price seen: the favorable excursion of a SHORT (stop 110: 2 of 10 is 0.2 R).
    const late = await mark([tick(s, '98', 19)]);
    expect([late.marked, late.campaigns, late.events.length]).toEqual([1, 1, 1]);
    expect(late.events[0]).toMatchObject({ campaign_id: c.id, reason: 'marked', seq: Number(before.campaign.last_seq) + 1 });
    expect(late.events[0]?.changed_positions).toEqual([
      expect.objectContaining({ id, current_price: '99.00000000', current_pnl: '5.00000000', marked_at: at(20).toISOString() }),
    ]);
    expect(late.events[0]?.changed_positions[0]).toMatchObject({
      max_favorable_price: '98.00000000',
      max_adverse_price: '100.00000000',
      mfe_r: '0.20000000',
      mae_r: '0.00000000',
    });
    const afterLate = await state(c.id);
    const [was, now] = [before.positions[0], afterLate.positions[0]];
    if (!was || !now) throw new Error('missing position');
    expect(markOf(now)).toEqual(markOf(was));
    expect(now).toEqual({ ...was, max_favorable_price: '98.00000000', updated_at: now.updated_at });
    expect(afterLate.events).toHaveLength(before.events.length + 1);
    expect(afterLate.campaign).toEqual({ ...before.campaign, last_seq: String(Number(before.campaign.last_seq) + 1) });

    // In one call, a late tick and one at the marked instant, above the highest price seen: one event.
    const both = await mark([tick(s, '100.5', 1), tick(s, '101', 20)]);
    expect([both.marked, both.events.length]).toEqual([1, 1]);
    const row = await rowOf(c.id, id);
    expect(markOf(row)).toEqual(markOf(was));
    expect(row).toMatchObject({ max_favorable_price: '98.00000000', max_adverse_price: '101.00000000' });
    expect((await state(c.id)).events).toHaveLength(before.events.length + 2);
  });

  it('changes nothing for a duplicate tick, whether in a later call or in the same call', async () => {
    const s = uniqueSymbol();
    const c = await campaign('LONG', s, [{ entry: '10', shares: '3', second: 0 }]);
    const first = await mark([tick(s, '11', 5), tick(s, '11', 5)]);
    expect(first.marked).toBe(1);
    expect(first.events).toHaveLength(1);
    const before = await state(c.id);
    expect(await mark([tick(s, '11', 5)])).toMatchObject({ marked: 0, events: [] });
    expect(await state(c.id)).toEqual(before);
  });

  // Section 6: of ticks with the same ts, the first one processed is the mark, within a call as
  // across calls (a later call's tick at the marked instant is a late tick).
  it('marks with the first of the ticks at the newest instant of a call; the others move only the excursions', async () => {
    const s = uniqueSymbol();
    const c = await campaign('LONG', s, [{ entry: '10', shares: '3', second: 0 }]);
    const result = await mark([tick(s, '9', 4), tick(s, '12', 5), tick(s, '11', 5), tick(s, '13', 5)]);
    expect([result.marked, result.events.length]).toEqual([1, 1]);
    const row = await rowOf(c.id, c.positions[0] as string);
    expect(row).toMatchObject({
      current_price: '12.00000000',
      current_pnl: '6.00000000',
      max_favorable_price: '13.00000000',
      max_adverse_price: '9.00000000',
    });
    expect(new Date(row.marked_at ?? '').toISOString()).toBe(at(5).toISOString());
    const before = await state(c.id);
    expect(await mark([tick(s, '13', 5), tick(s, '11', 5)])).toMatchObject({ marked: 0, events: [] });
    expect(await state(c.id)).toEqual(before);
  });

  it('never marks a CLOSED position', async () => {
    const s = uniqueSymbol();
    const c = await campaign('LONG', s, [
      { entry: '10', shares: '3', second: 0 },
      { entry: '12', shares: '2', second: 0 },
    ]);
    const [closedId, openId] = c.positions as [string, string];
    await mark([tick(s, '11', 1)]);
    await commands.closePosition(caller, closedId, { exitPrice: dec('10.5'), closedDate: at(2) });
    const closedBefore = await rowOf(c.id, closedId);
    const result = await mark([tick(s, '20', 10)]);
    expect(result.marked).toBe(1);
    expect(result.events[0]?.changed_positions.map((p) => p.id)).toEqual([openId]);
    expect(await rowOf(c.id, closedId)).toEqual(closedBefore);
    expect(closedBefore).toMatchObject({ status: 'CLOSED', current_price: '10.50000000', current_pnl: '1.50000000' });
    expect((await rowOf(c.id, openId)).current_pnl).toBe('16.00000000');
  });

  it('leaves positions alone for ticks of other symbols', async () => {
    const s = uniqueSymbol();
    const c = await campaign('LONG', s, [{ entry: '10', shares: '3', second: 0 }]);
    const before = await state(c.id);
    const others = [`${s}X`, s.slice(0, -1), `X${s}`, uniqueSymbol()];
    expect(await mark(others.map((o) => tick(o, '50', 10)))).toMatchObject({ marked: 0, events: [] });
    expect(await state(c.id)).toEqual(before);
  });

  it('applies the newest tick of each symbol within one call, whatever the order', async () => {
    const prices = ['1.1', '1.2', '1.3', '1.4'];
    const seconds = [3, 7, 11, 5];
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6, 7], { minLength: 8, maxLength: 8 }), async (order) => {
        const [a, b] = [uniqueSymbol(), uniqueSymbol()];
        const ca = await campaign('LONG', a, [{ entry: '1', shares: '10', second: 0 }]);
        const cb = await campaign('SHORT', b, [{ entry: '2', shares: '10', second: 0 }]);
        const ticks = [
          ...prices.map((p, i) => tick(a, p, seconds[i] as number)),
          ...prices.map((p, i) => tick(b, p, (seconds[i] as number) + 100)),
        ];
        const result = await mark(order.map((i) => ticks[i] as Mark));
        expect(result.events).toHaveLength(2);
        // Every tick counts for the excursions (section 9), whether or not it is the newest.
        expect(await rowOf(ca.id, ca.positions[0] as string)).toMatchObject({
          current_price: '1.30000000',
          current_pnl: '3.00000000',
          max_favorable_price: '1.40000000',
          max_adverse_price: '1.00000000',
        });
        expect(await rowOf(cb.id, cb.positions[0] as string)).toMatchObject({
          current_price: '1.30000000',
          current_pnl: '7.00000000',
          max_favorable_price: '1.10000000',
          max_adverse_price: '2.00000000',
        });
        expect(new Date((await rowOf(ca.id, ca.positions[0] as string)).marked_at ?? '').getTime()).toBe(at(11).getTime());
      }),
      { numRuns: 15 },
    );
  });

  it('leaves after a replay exactly the state the first processing left', async () => {
    const batch = fc.array(fc.record({ second: fc.integer({ min: 0, max: 40 }), cents: fc.integer({ min: 1, max: 100_000 }) }), {
      minLength: 1,
      maxLength: 5,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 4 }),
        fc.array(batch, { minLength: 1, maxLength: 5 }),
        async (entrySeconds, batches) => {
          const s = uniqueSymbol();
          const c = await campaign(
            'LONG',
            s,
            entrySeconds.map((second) => ({ entry: '500', shares: '1.5', second })),
          );
          const calls = batches.map((ticks) => ticks.map((t) => tick(s, (t.cents / 100).toFixed(2), t.second)));
          for (const call of calls) await mark(call);
          const once = await state(c.id);
          for (const call of calls) expect(await mark(call)).toMatchObject({ marked: 0, events: [] });
          expect(await state(c.id)).toEqual(once);

          // The oracle: each call moves a position to the newest tick (the first given on a tie,
          // section 6) when that tick is not before its entry and after its previous mark; every
          // tick not before its entry moves its excursions (section 9), from the entry price.
          const model = entrySeconds.map((second) => ({
            second,
            markedAt: null as number | null,
            price: '500.00000000',
            high: dec('500'),
            low: dec('500'),
          }));
          for (const call of calls) {
            const newest = call.reduce((n, t) => (t.ts.getTime() > n.ts.getTime() ? t : n));
            for (const m of model) {
              if (at(m.second).getTime() <= newest.ts.getTime() && (m.markedAt === null || m.markedAt < newest.ts.getTime())) {
                m.markedAt = newest.ts.getTime();
                m.price = fmt8(newest.price);
              }
              for (const t of call) {
                if (t.ts.getTime() < at(m.second).getTime()) continue;
                if (t.price.gt(m.high)) m.high = t.price;
                if (t.price.lt(m.low)) m.low = t.price;
              }
            }
          }
          const expected = model.map(({ high, low, ...m }) => ({ ...m, favorable: fmt8(high), adverse: fmt8(low) }));
          const got = once.positions.map((r) => ({
            second: (new Date(r.entry_date).getTime() - at(0).getTime()) / 1000,
            markedAt: r.marked_at === null ? null : new Date(r.marked_at).getTime(),
            price: r.current_price,
            favorable: r.max_favorable_price,
            adverse: r.max_adverse_price,
          }));
          const bySecond = (x: { second: number }, y: { second: number }) => x.second - y.second;
          expect(got.sort(bySecond)).toEqual(expected.sort(bySecond));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('records one outbox row per affected campaign and call, with the next seq and the version unchanged', async () => {
    const [s, t] = [uniqueSymbol(), uniqueSymbol()];
    const a = await campaign('LONG', s, [
      { entry: '10', shares: '1', second: 0 },
      { entry: '11', shares: '2', second: 1 },
    ]);
    const b = await campaign('SHORT', s, [{ entry: '12', shares: '3', second: 0 }]);
    const later = await campaign('LONG', s, [{ entry: '10', shares: '1', second: 100 }]);
    const other = await campaign('LONG', t, [{ entry: '5', shares: '4', second: 0 }]);
    const before = await Promise.all([a, b, later, other].map((c) => state(c.id)));

    const result = await mark([tick(s, '12.5', 9), tick(t, '6', 3), tick(s, '13', 10), tick(t, '5.5', 2), tick(s, '12', 8)]);
    expect(result.marked).toBe(4);

    for (const [i, c] of [a, b, other].entries()) {
      const was = before[[0, 1, 3][i] as number];
      const now = await state(c.id);
      if (!was) throw new Error('missing state');
      const previousSeq = Number(was.campaign.last_seq);
      expect(now.events).toHaveLength(was.events.length + 1);
      const row = now.events.at(-1);
      if (!row) throw new Error('missing outbox row');
      expect(Number(row.seq)).toBe(previousSeq + 1);
      expect(now.campaign.last_seq).toBe(String(previousSeq + 1));
      expect(now.campaign.version).toBe(was.campaign.version);
      expect(now.campaign.updated_at).toBe(was.campaign.updated_at);
      const event = campaignUpdatedSchema.parse(row.payload);
      expect(event).toMatchObject({ campaign_id: c.id, seq: previousSeq + 1, version: Number(was.campaign.version), reason: 'marked' });
      expect(event.changed_positions.map((p) => p.id).sort()).toEqual([...c.positions].sort());
      // Compact (section 3): each position's id and the fields a mark changes, as the read shows them.
      const read = (await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: true })).data.positions;
      expect(event.changed_positions).toEqual(read.map((p) => Object.fromEntries((['id', ...MARK_FIELDS] as const).map((f) => [f, p[f]]))));
      expect(Object.keys(event.changed_positions[0] ?? {}).sort()).toEqual(['id', ...MARK_FIELDS].sort());
      expect(result.events.find((e) => e.campaign_id === c.id)).toEqual(event);
      // Written by the transaction that moved the marks.
      const xmins = new Set([row.xmin, ...(await positionXmins(c.id))]);
      expect(xmins.size).toBe(1);
    }
    expect(await state(later.id)).toEqual(before[2]);
  });

  const positionXmins = async (campaignId: string): Promise<string[]> => {
    const rows = (await orm.em.fork().execute('select xmin::text as x from positions where campaign_id = ?', [campaignId])) as {
      x: string;
    }[];
    return rows.map((r) => r.x);
  };

  it('reports as_of as the latest marked_at over the positions, in reads and events alike', async () => {
    const s = uniqueSymbol();
    const c = await campaign('LONG', s, [
      { entry: '10', shares: '1', second: 0 },
      { entry: '10', shares: '1', second: 10 },
    ]);
    expect((await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: true })).data.as_of).toBeNull();
    await mark([tick(s, '11', 5)]);
    expect((await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: true })).data.as_of).toBe(at(5).toISOString());
    await mark([tick(s, '12', 12)]);
    await commands.closePosition(caller, c.positions[1] as string, { exitPrice: dec('12'), closedDate: at(13) });
    const last = await mark([tick(s, '11.5', 20)]);
    expect(last.events[0]?.totals.as_of).toBe(at(20).toISOString());
    const view = (await reads.getCampaignPositions(caller.accountId, c.id, { includeClosed: false })).data;
    const latest = Math.max(...(await positionRows(orm.em, c.id)).map((r) => new Date(r.marked_at ?? 0).getTime()));
    expect(view.as_of).toBe(new Date(latest).toISOString());
    expect(view.as_of).toBe(at(20).toISOString());
    expect((await outboxRows(orm.em, c.id)).at(-1)?.payload).toMatchObject({ totals: { as_of: at(20).toISOString() } });
  });
  // Section 6: a mark whose P&L would not fit NUMERIC(18,8) is not applied to that position. It once
  // failed the whole batch's UPDATE (numeric field overflow), so no position of the symbol moved.
  describe('a mark whose P&L would not fit NUMERIC(18,8)', () => {
    const HUGE = '9999999999';

    it('is not applied to that position, which keeps its last mark; the others of the symbol are marked', async () => {
      const s = uniqueSymbol();
      const c = await campaign('LONG', s, [
        { entry: '1', shares: HUGE, second: 0 },
        { entry: '1', shares: '10', second: 0 },
      ]);
      const [huge, small] = c.positions as [string, string];
      expect(await mark([tick(s, '1.5', 5)])).toMatchObject({ marked: 2, skipped: [] });
      const hugeBefore = await rowOf(c.id, huge);
      expect(hugeBefore).toMatchObject({ current_price: '1.50000000', current_pnl: '4999999999.50000000' });
      const seqBefore = (await state(c.id)).campaign.last_seq;

      const result = await mark([tick(s, '3', 10)]);
      expect(result.skipped).toEqual([{ positionId: huge, campaignId: c.id, symbol: s, price: '3.00000000', ts: at(10).toISOString() }]);
      // The tick still moves the huge position's excursions (section 9): it changes, its mark does not.
      expect(result.marked).toBe(2);
      expect(result.events).toHaveLength(1);
      expect(result.events[0]?.changed_positions.map((p) => p.id).sort()).toEqual([huge, small].sort());
      expect(result.events[0]?.changed_positions.find((p) => p.id === huge)).toMatchObject({
        current_price: '1.50000000',
        current_pnl: '4999999999.50000000',
        marked_at: at(5).toISOString(),
        max_favorable_price: '3.00000000',
        mfe_r: '20.00000000',
      });
      expect(result.events[0]?.totals.unrealized_pnl).toBe('5000000019.50000000');
      const hugeAfter = await rowOf(c.id, huge);
      expect(hugeAfter).toEqual({ ...hugeBefore, max_favorable_price: '3.00000000', updated_at: hugeAfter.updated_at });
      expect(await rowOf(c.id, small)).toMatchObject({ current_price: '3.00000000', current_pnl: '20.00000000' });
      expect(new Date((await rowOf(c.id, small)).marked_at ?? '').toISOString()).toBe(at(10).toISOString());
      expect(Number((await state(c.id)).campaign.last_seq)).toBe(Number(seqBefore) + 1);

      // The symbol's mark still moves: a newer tick that fits marks the position again.
      const next = await mark([tick(s, '1.2', 15)]);
      expect(next).toMatchObject({ marked: 2, skipped: [] });
      expect(await rowOf(c.id, huge)).toMatchObject({ current_price: '1.20000000', current_pnl: '1999999999.80000000' });
    });

    it('moves only the excursions of positions it cannot mark; within them, changes nothing and records no event', async () => {
      const s = uniqueSymbol();
      const long = await campaign('LONG', s, [{ entry: '1', shares: HUGE, second: 0 }]);
      const short = await campaign('SHORT', s, [{ entry: '1', shares: HUGE, second: 0 }]);
      const initially = await Promise.all([state(long.id), state(short.id)]);
      const skippedOf = (r: { skipped: { positionId: string; campaignId: string; price: string }[] }) =>
        r.skipped.map((k) => [k.positionId, k.campaignId, k.price]).sort();

      const first = await mark([tick(s, '3', 10)]);
      expect(skippedOf(first)).toEqual(
        [
          [long.positions[0], long.id, '3.00000000'],
          [short.positions[0], short.id, '3.00000000'],
        ].sort(),
      );
      expect([first.marked, first.campaigns, first.events.length]).toEqual([2, 2, 2]);
      const [l, sh] = [await rowOf(long.id, long.positions[0] as string), await rowOf(short.id, short.positions[0] as string)];
      for (const row of [l, sh]) expect(row).toMatchObject({ current_price: '1.00000000', current_pnl: '0.00000000', marked_at: null });
      expect([l.max_favorable_price, l.max_adverse_price]).toEqual(['3.00000000', '1.00000000']);
      expect([sh.max_favorable_price, sh.max_adverse_price]).toEqual(['1.00000000', '3.00000000']);
      expect(initially[0]?.positions[0]).toMatchObject({ max_favorable_price: '1.00000000', max_adverse_price: '1.00000000' });

      const before = await Promise.all([state(long.id), state(short.id)]);
      const second = await mark([tick(s, '2.5', 11)]);
      expect(second).toMatchObject({ marked: 0, campaigns: 0, events: [] });
      expect(skippedOf(second)).toEqual(
        [
          [long.positions[0], long.id, '2.50000000'],
          [short.positions[0], short.id, '2.50000000'],
        ].sort(),
      );
      expect(await Promise.all([state(long.id), state(short.id)])).toEqual(before);
    });

    it('applies a P&L of exactly the largest NUMERIC(18,8) and skips one unit more', async () => {
      const s = uniqueSymbol();
      const c = await campaign('LONG', s, [{ entry: '1', shares: '9999999999.99999999', second: 0 }]);
      const [id] = c.positions as [string];
      expect(await mark([tick(s, '2', 5)])).toMatchObject({ marked: 1, skipped: [] });
      expect((await rowOf(c.id, id)).current_pnl).toBe('9999999999.99999999');
      // One unit more: not applied, though it moves the favorable excursion by that unit.
      const over = await mark([tick(s, '2.00000001', 6)]);
      expect([over.marked, over.skipped.map((k) => k.positionId)]).toEqual([1, [id]]);
      expect(await rowOf(c.id, id)).toMatchObject({
        current_price: '2.00000000',
        current_pnl: '9999999999.99999999',
        max_favorable_price: '2.00000001',
      });
      expect(new Date((await rowOf(c.id, id)).marked_at ?? '').toISOString()).toBe(at(5).toISOString());
      // Again, newer: still not applied, and nothing left to move.
      const again = await mark([tick(s, '2.00000001', 7)]);
      expect([again.marked, again.skipped.map((k) => k.positionId), again.events]).toEqual([0, [id], []]);
      expect(await rowOf(c.id, id)).toMatchObject({ current_price: '2.00000000', current_pnl: '9999999999.99999999' });
    });
  });
});
