import { type CampaignUpdated, type ChangedPositionJson, type PositionJson, UPDATE_REASONS } from '@cpt/contracts';
import { createLogger } from '@cpt/platform';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactOf, event, headersOf, position } from '../../test/realtime-events.js';
import { changeShape, covers } from './change-shape.js';
import { ConflatedUpdate, PendingUpdate } from './conflated-update.js';
import { EventsHub } from './events-hub.js';
import type { HubEvent } from './hub-event.js';

const A = 'aaaaaaaa-8a55-4b8e-9d43-2f6c1c1e9e10';
const B = 'bbbbbbbb-8a55-4b8e-9d43-2f6c1c1e9e10';

const withPositions = (e: CampaignUpdated, ...ps: CampaignUpdated['changed_positions']): CampaignUpdated => ({
  ...e,
  changed_positions: ps,
});

describe('ConflatedUpdate', () => {
  it('keeps the latest seq, version, reason and totals, and the latest version of each changed position', () => {
    const earlier = { ...position(B, '1.00000000'), entry_date: '2026-11-25T08:00:00.000Z' };
    const u = new ConflatedUpdate(withPositions(event(3, '1.00000000'), position(A, '1.00000000'), earlier));
    u.merge({ ...withPositions(event(4, '2.00000000'), position(A, '2.00000000')), version: 3, reason: 'stop_moved' });
    u.merge(withPositions(event(5, '3.00000000'), { ...earlier, current_pnl: '3.00000000' }));
    const m = u.toMessage();
    expect(m).toEqual({
      ...event(5, '3.00000000'),
      changed_positions: [{ ...earlier, current_pnl: '3.00000000' }, position(A, '2.00000000')],
    });
    expect(Object.keys(m)).toEqual(['type', 'campaign_id', 'seq', 'version', 'reason', 'totals', 'changed_positions']);
    expect(u.seq).toBe(5);
    expect(u.merged).toBe(3);
  });

  it('merges exits: a reduced position, marked, then closed, arrives with every exit and its last figures', () => {
    const exit = (n: number, shares: string) => ({
      id: `e${n}`,
      position_id: A,
      shares,
      price: '1.10000000',
      date: `2026-11-25T1${n}:00:00.000Z`,
      fee: '0.00000000',
      realized_pnl: '1.00000000',
    });
    const open = position(A, '1.00000000');
    const reduced = { ...open, open_shares: '50.00000000', realized_pnl: '1.00000000', exits: [exit(1, '50.00000000')] };
    const marked = { ...reduced, current_price: '1.20000000', current_pnl: '5.00000000' };
    const closed = {
      ...marked,
      status: 'CLOSED' as const,
      open_shares: '0.00000000',
      exits: [exit(1, '50.00000000'), exit(2, '50.00000000')],
    };
    const u = new ConflatedUpdate({ ...withPositions(event(2, '1.00000000'), reduced), reason: 'position_reduced' });
    u.merge({ ...withPositions(event(3, '5.00000000'), marked), reason: 'marked' });
    expect(u.toMessage().changed_positions).toEqual([marked]);
    u.merge({ ...withPositions(event(4, '2.00000000'), closed), reason: 'position_closed' });
    const m = u.toMessage();
    expect([m.seq, m.reason]).toEqual([4, 'position_closed']);
    expect(m.changed_positions).toEqual([closed]);
    expect((m.changed_positions[0] as PositionJson | undefined)?.exits.map((e) => e.id)).toEqual(['e1', 'e2']);
  });

  it('merges compact marked entries into the position they follow, and stays a marked message while one is unmerged', () => {
    const whole = position(A, '1.00000000');
    const mark = (pnl: string) => ({
      id: A,
      current_price: '1.30000000',
      current_pnl: pnl,
      net_pnl: pnl,
      r_multiple: '1.00000000',
      marked_at: '2026-11-25T12:00:00.000Z',
      max_favorable_price: '1.30000000',
      max_adverse_price: '1.25000000',
      mfe_r: '2.00000000',
      mae_r: '0.00000000',
      stop_breached_at: null,
      stop_breach_price: null,
      updated_at: '2026-11-25T12:00:01.000Z',
    });
    const u = new ConflatedUpdate({ ...withPositions(event(2, '1.00000000'), whole), reason: 'position_opened' });
    u.merge({ ...withPositions(event(3, '2.00000000'), mark('2.00000000')), reason: 'marked' });
    u.merge({ ...withPositions(event(4, '3.00000000'), mark('3.00000000')), reason: 'marked' });
    expect(u.toMessage().changed_positions).toEqual([{ ...whole, ...mark('3.00000000') }]);
    // A compact entry alone (its whole position was sent before) keeps the message a marked one.
    const v = new ConflatedUpdate({ ...withPositions(event(5, '1.00000000'), mark('1.00000000')), reason: 'marked' });
    v.merge({ ...withPositions(event(6, '1.00000000')), reason: 'stop_moved', version: 4 });
    expect([v.toMessage().reason, v.toMessage().version, v.toMessage().changed_positions]).toEqual(['marked', 4, [mark('1.00000000')]]);
  });

  it('ignores an event that is not newer', () => {
    const u = new ConflatedUpdate(event(7, '7.00000000'));
    u.merge(event(6, '6.00000000'));
    expect(u.toMessage()).toEqual(event(7, '7.00000000'));
  });
});

/** A changed position's entry: whole or compact, with figures that tell one event's from another's. */
const entryArb = (seq: number, compactAllowed: boolean) =>
  fc.record({ id: fc.constantFrom('a', 'b', 'c'), whole: fc.boolean(), pnl: fc.integer({ min: 0, max: 99 }) }).map(({ id, whole, pnl }) => {
    const p = {
      ...position(`${id.repeat(8)}-8a55-4b8e-9d43-2f6c1c1e9e10`, `${pnl}.00000000`),
      updated_at: `2026-11-25T10:00:${String(seq % 60).padStart(2, '0')}.000Z`,
    };
    return whole || !compactAllowed ? p : compactOf(p);
  });

/** A campaign's events in seq order, some seqs missing, of any reason: compact entries in `marked` ones (section 3). */
const eventsArb = fc
  .array(
    fc.record({ skip: fc.integer({ min: 0, max: 9 }), reason: fc.constantFrom(...UPDATE_REASONS), n: fc.integer({ min: 0, max: 3 }) }),
    { minLength: 1, maxLength: 12 },
  )
  .chain((steps) => {
    let seq = 0;
    return fc.tuple(
      ...steps.map(({ skip, reason, n }) => {
        seq += skip === 0 ? 2 : 1;
        const at = seq;
        return fc
          .uniqueArray(entryArb(at, reason === 'marked'), { minLength: n, maxLength: n, selector: (p) => p.id })
          .map((ps): CampaignUpdated => ({ ...event(at, `${at}.00000000`), reason, changed_positions: ps }));
      }),
    );
  });

const byId = (a: ChangedPositionJson, b: ChangedPositionJson) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const normalized = (m: CampaignUpdated) => ({ ...m, changed_positions: [...m.changed_positions].sort(byId) });

describe('PendingUpdate', () => {
  it('brings a client that fell behind at any event to what merging every later one gives, whatever the events', () => {
    fc.assert(
      fc.property(eventsArb, fc.nat(), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (events, from, withHeaders) => {
        const hub = new EventsHub({ log: createLogger('test', 'silent'), bufferEvents: 100, bufferBytes: 10_000_000 });
        const seen: HubEvent[] = [];
        hub.subscribe(events[0]?.campaign_id ?? '', (e) => seen.push(e));
        // Taken by their headers, unparsed, or parsed whole: the same either way.
        events.forEach((e, i) => {
          hub.ingest(JSON.stringify(e), {}, withHeaders[i % 12] ? headersOf(e) : undefined);
        });
        const missed = seen.slice(from % seen.length);
        const bySeq = new Map(events.map((e) => [e.seq, e]));
        const original = (e: HubEvent) => bySeq.get(e.seq) as CampaignUpdated;
        const [first, ...rest] = missed as [HubEvent, ...HubEvent[]];
        const pending = new PendingUpdate(first);
        const merged = new ConflatedUpdate(original(first));
        for (const e of rest) {
          expect(pending.add(e)).toBe(true);
          merged.merge(original(e));
        }
        const bytes = pending.bytes();
        expect(normalized(JSON.parse(bytes.toString()) as CampaignUpdated)).toEqual(normalized(merged.toMessage()));
        // The latest event's own bytes go out whenever each event missed covers the one before it.
        const shapes = missed.map((e) => changeShape(original(e)));
        const chained = shapes.every(
          (s, i) =>
            i === 0 ||
            ((missed[i] as HubEvent).seq === (missed[i - 1] as HubEvent).seq + 1 && covers(s, shapes[i - 1] as (typeof shapes)[number])),
        );
        const last = missed[missed.length - 1] as HubEvent;
        if (chained) expect(bytes).toBe(last.bytes);
      }),
      { numRuns: 500 },
    );
  });
});

describe('covers', () => {
  it('tells whether an event holds everything of the one before it', () => {
    const whole = (seq: number, ...ids: string[]) => ({ ...event(seq), changed_positions: ids.map((id) => position(id, '1.00000000')) });
    const compact = (seq: number, ...ids: string[]) => ({
      ...event(seq),
      changed_positions: ids.map((id) => compactOf(position(id, `${seq}.00000000`))),
    });
    const pairs: [CampaignUpdated, CampaignUpdated, boolean][] = [
      [whole(2, A, B), whole(1, A), true], // every position of 1, whole
      [compact(3, A, B), whole(2, A, B), false], // compact over whole positions
      [compact(4, A, B), compact(3, A, B), true], // compact over compact, same positions
      [compact(5, A), compact(4, A, B), false], // not B, which 4 changed
      [{ ...whole(6), reason: 'settings_changed' }, compact(5, A), false], // no position: none of 5's
      [compact(7, A), { ...whole(6), reason: 'settings_changed' }, true], // 6 changed no position
      [{ ...compact(8, A, B), reason: 'stop_moved' }, compact(7, A), false], // compact entries outside a `marked` event
    ];
    expect(pairs.map(([later, earlier]) => covers(changeShape(later), changeShape(earlier)))).toEqual(pairs.map(([, , c]) => c));
  });
});

describe('changeShape', () => {
  it('takes compact entries for ones that replace each other only in a marked event, each with every field a mark changes', () => {
    const full = compactOf(position(A, '1.00000000'));
    const { mfe_r: _dropped, ...short } = full;
    expect(changeShape({ ...event(2), changed_positions: [full] }).kind).toBe('compact');
    expect(changeShape({ ...event(2), changed_positions: [short as typeof full] }).kind).toBe('mixed');
    expect(changeShape({ ...event(2), reason: 'stop_moved', changed_positions: [full] }).kind).toBe('mixed');
    expect(changeShape({ ...event(2), changed_positions: [position(A, '1.00000000'), full] }).kind).toBe('mixed');
    expect(changeShape({ ...event(2), changed_positions: [] }).kind).toBe('whole');
  });
});
