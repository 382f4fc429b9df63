import type { CampaignUpdated } from '@cpt/contracts';
import { createLogger } from '@cpt/platform';
import { describe, expect, it, vi } from 'vitest';
import { CAMPAIGN, event, headersOf, OTHER } from '../../test/realtime-events.js';
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

  it('takes an event whose headers name its campaign and seq as it is, unparsed, deduplicated and ordered by them', () => {
    const hub = hubOf();
    const seen: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e));
    const value = Buffer.from(json(event(1)));
    const parse = vi.spyOn(JSON, 'parse');
    expect(hub.ingest(value, {}, headersOf(event(1)))).toBe('delivered');
    expect(hub.ingest(Buffer.from(json(event(1))), {}, headersOf(event(1)))).toBe('duplicate');
    // Extra members are not looked at: the value goes out as it came.
    const two = Buffer.from(`${json(event(2)).slice(0, -1)},"extra":true}`);
    expect(hub.ingest(two, {}, headersOf(event(2)))).toBe('delivered');
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(seen.map((e) => e.seq)).toEqual([1, 2]);
    expect(seen[0]?.bytes.equals(value)).toBe(true);
    expect(seen[1]?.bytes.equals(two)).toBe(true);
    expect(hub.stats()).toMatchObject({ delivered: 2, unparsed: 3, duplicates: 1, invalid: 0 });
    // Parsed only when asked, and validated then.
    expect(seen[1]?.event()?.seq).toBe(2);
  });

  it('keeps a copy of a value that is a view of a larger buffer (a fetch response), not the view', () => {
    const hub = hubOf();
    const seen: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e));
    const value = Buffer.from(json(event(1)));
    const response = Buffer.concat([Buffer.alloc(1_000_000), value, Buffer.alloc(1_000_000)]);
    const view = response.subarray(1_000_000, 1_000_000 + value.length);
    expect(hub.ingest(view, {}, headersOf(event(1)))).toBe('delivered');
    expect(seen[0]?.bytes.equals(value)).toBe(true);
    expect(seen[0]?.bytes.buffer.byteLength).toBeLessThan(1_000_000);
  });

  it('parses and validates whole a message whose headers are missing, malformed or disagree with its value', () => {
    const hub = hubOf();
    const seen: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e));
    hub.subscribe(OTHER, (e) => seen.push(e));
    const h = (campaignId: string, seq: string) => ({ 'campaign-id': Buffer.from(campaignId), 'campaign-seq': Buffer.from(seq) });
    // Its value is the truth: campaign CAMPAIGN, seq 1, whatever the headers say.
    expect(hub.ingest(json(event(1)), {}, h(OTHER, '1'))).toBe('delivered');
    expect(hub.ingest(json(event(2)), {}, h(CAMPAIGN, '3'))).toBe('delivered');
    expect(hub.ingest(json(event(3)), {}, h(CAMPAIGN.toUpperCase(), '3'))).toBe('delivered');
    expect(hub.ingest(json(event(4)), {}, h(CAMPAIGN, '04'))).toBe('delivered');
    expect(hub.ingest(json(event(5)), {}, { 'campaign-id': Buffer.from(CAMPAIGN) })).toBe('delivered');
    // Headers that agree with the start of a value that is not a whole message: parsed, and refused.
    expect(hub.ingest('{"type":"campaign_updated","campaign_id":"x"}', {}, h(CAMPAIGN, '6'))).toBe('invalid');
    expect(hub.ingest(`{"type":"campaign_updated","campaign_id":"${CAMPAIGN}","seq":6,`, {}, h(CAMPAIGN, '6'))).toBe('invalid');
    expect(hub.ingest(null, {}, h(CAMPAIGN, '6'))).toBe('invalid');
    expect(seen.map((e) => [e.campaignId, e.seq])).toEqual([1, 2, 3, 4, 5].map((seq) => [CAMPAIGN, seq]));
    expect(hub.stats()).toMatchObject({ delivered: 5, unparsed: 0, invalid: 3 });
  });

  it('tells an event taken unparsed whose value is not a valid message when it must be read', () => {
    const hub = hubOf();
    const seen: HubEvent[] = [];
    hub.subscribe(CAMPAIGN, (e) => seen.push(e));
    const broken = `{"type":"campaign_updated","campaign_id":"${CAMPAIGN}","seq":1,"version":"two"}`;
    expect(hub.ingest(broken, {}, headersOf(event(1)))).toBe('delivered');
    expect(seen[0]?.event()).toBeNull();
    expect(seen[0]?.shape()).toBeNull();
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
