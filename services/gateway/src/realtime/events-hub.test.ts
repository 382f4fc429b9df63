import type { CampaignUpdated } from '@cpt/contracts';
import { createLogger } from '@cpt/platform';
import { describe, expect, it } from 'vitest';
import { CAMPAIGN, compactOf, event, OTHER, position } from '../../test/realtime-events.js';
import { EventsHub } from './events-hub.js';
import type { HubEvent } from './hub-event.js';

const hubOf = (bufferEvents = 4, bufferBytes = 1_000_000) =>
  new EventsHub({ log: createLogger('test', 'silent'), bufferEvents, bufferBytes });
const json = (e: CampaignUpdated) => JSON.stringify(e);

describe('EventsHub', () => {
  it('hands each new event to the campaign subscribers, serialized once, and skips duplicates', () => {
    const hub = hubOf();
    const a: HubEvent[] = [];
    const b: HubEvent[] = [];
    const other: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => a.push(e));
    hub.subscribe(CAMPAIGN, (e) => b.push(e));
    hub.subscribe(OTHER, (e) => other.push(e));
    expect(hub.ingest(json(event(1)))).toBe('delivered');
    expect(hub.ingest(Buffer.from(json(event(2))))).toBe('delivered');
    expect(hub.ingest(json(event(2)))).toBe('duplicate');
    expect(hub.ingest(json(event(1)))).toBe('duplicate');
    expect(a.map((e) => e.seq)).toEqual([1, 2]);
    expect(b.map((e) => e.bytes)).toEqual(a.map((e) => e.bytes));
    expect(b[0]?.bytes).toBe(a[0]?.bytes);
    expect(JSON.parse(a[1]?.bytes.toString() ?? '')).toEqual(event(2));
    expect(other).toEqual([]);
    expect(hub.stats()).toMatchObject({ delivered: 2, duplicates: 2, invalid: 0, gaps: 0 });
  });

  it('skips values that are not the contract event, and strips unknown fields', () => {
    const hub = hubOf();
    const seen: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e));
    expect(hub.ingest('not json')).toBe('invalid');
    expect(hub.ingest(null)).toBe('invalid');
    expect(hub.ingest(json({ ...event(1), seq: 0 }))).toBe('invalid');
    expect(hub.ingest(JSON.stringify({ ...event(1), totals: { ...event(1).totals, total_pnl: 1.5 } }))).toBe('invalid');
    expect(hub.ingest(JSON.stringify({ ...event(1), extra: true }))).toBe('delivered');
    expect(seen[0]?.event()).toEqual(event(1));
    expect(hub.stats().invalid).toBe(4);
  });

  it('replays from the buffer only when it holds every event after the given seq', () => {
    const hub = hubOf(3);
    for (let seq = 5; seq <= 9; seq++) hub.ingest(json(event(seq)));
    expect(hub.replay(CAMPAIGN, 9)).toEqual([]);
    expect(hub.replay(CAMPAIGN, 7)?.map((e) => e.seq)).toEqual([8, 9]);
    expect(hub.replay(CAMPAIGN, 6)?.map((e) => e.seq)).toEqual([7, 8, 9]);
    expect(hub.replay(CAMPAIGN, 5)).toBeUndefined();
    expect(hub.replay(CAMPAIGN, 10)).toBeUndefined();
    expect(hub.replay(OTHER, 0)).toBeUndefined();
  });

  it('bounds the buffer by bytes as well, keeping at least the last event', () => {
    const size = Buffer.byteLength(json(event(1)));
    const hub = hubOf(100, size * 2);
    for (let seq = 1; seq <= 5; seq++) hub.ingest(json(event(seq)));
    expect(hub.replay(CAMPAIGN, 3)?.map((e) => e.seq)).toEqual([4, 5]);
    expect(hub.replay(CAMPAIGN, 2)).toBeUndefined();
    const tiny = hubOf(100, 1);
    tiny.ingest(json(event(1)));
    expect(tiny.replay(CAMPAIGN, 0)?.map((e) => e.seq)).toEqual([1]);
  });

  it('empties the buffer across a gap, so that a resume never skips the lost event', () => {
    const hub = hubOf(10);
    const seen: number[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e.seq));
    hub.ingest(json(event(1)));
    hub.ingest(json(event(2)));
    expect(hub.ingest(json(event(4)))).toBe('delivered');
    expect(seen).toEqual([1, 2, 4]);
    expect(hub.replay(CAMPAIGN, 1)).toBeUndefined();
    expect(hub.replay(CAMPAIGN, 2)).toBeUndefined();
    expect(hub.replay(CAMPAIGN, 3)?.map((e) => e.seq)).toEqual([4]);
    expect(hub.stats().gaps).toBe(1);
  });

  it('tells, of each event, from which seq on it covers the ones before it', () => {
    const hub = hubOf(10);
    const seen: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e));
    const A = 'aaaaaaaa-8a55-4b8e-9d43-2f6c1c1e9e10';
    const B = 'bbbbbbbb-8a55-4b8e-9d43-2f6c1c1e9e10';
    const whole = (seq: number, ...ids: string[]) => ({ ...event(seq), changed_positions: ids.map((id) => position(id, '1.00000000')) });
    const compact = (seq: number, ...ids: string[]) => ({
      ...event(seq),
      changed_positions: ids.map((id) => compactOf(position(id, `${seq}.00000000`))),
    });
    hub.ingest(json(whole(1, A)));
    hub.ingest(json(whole(2, A, B))); // every position of 1, whole: covers it
    hub.ingest(json(compact(3, A, B))); // compact over whole positions: covers nothing
    hub.ingest(json(compact(4, A, B))); // compact over compact, same positions: covers 3, not what 3 did not
    hub.ingest(json(compact(5, A))); // not B, which 4 changed
    hub.ingest(json({ ...whole(6), reason: 'settings_changed' })); // no position: covers none of 5's
    hub.ingest(json(compact(7, A))); // 6 changed no position: covered, and so is what 6 covered
    hub.ingest(json({ ...compact(8, A, B), reason: 'stop_moved' })); // compact entries outside a `marked` event
    hub.ingest(json(whole(10, A, B))); // after a gap: nothing before it
    hub.ingest(json(whole(11, A, B)));
    expect(seen.map((e) => [e.seq, e.coversFrom])).toEqual([
      [1, 1],
      [2, 1],
      [3, 3],
      [4, 3],
      [5, 5],
      [6, 6],
      [7, 6],
      [8, 8],
      [10, 10],
      [11, 10],
    ]);
    // Without subscribers nothing is judged: a client that resumes merges what it missed.
    const quiet = hubOf(10);
    quiet.ingest(json(whole(1, A)));
    quiet.ingest(json(whole(2, A)));
    expect(quiet.replay(CAMPAIGN, 0)?.map((e) => e.coversFrom)).toEqual([1, 2]);
  });

  it('keeps delivering to the others when one subscriber throws', () => {
    const hub = hubOf();
    const seen: number[] = [];
    hub.subscribe(CAMPAIGN, () => {
      throw new Error('broken subscriber');
    });
    const stop = hub.subscribe(CAMPAIGN, (e) => seen.push(e.seq));
    hub.ingest(json(event(1)));
    stop();
    hub.ingest(json(event(2)));
    expect(seen).toEqual([1]);
  });
});
