import { type CampaignUpdated, type ChangedPositionJson, campaignUpdatedSchema, isWholePosition } from '@cpt/contracts';
import { count, type Report } from './report.js';
import type { Read } from './topics.js';
import { canonical, digest, type Track, type WsWatcher } from './ws-watch.js';

/** Each campaign's events on `campaign.events`, by seq (as the gateway parses them). */
export type Events = Map<string, Map<number, CampaignUpdated>>;

/**
 * Sections 5 and 6: every committed change of each campaign is on `campaign.events`, seq 1 to the
 * campaign's last, none lost (a crash may repeat one, never lose one; a repeat is the same event).
 */
export function checkEvents(report: Report, topic: readonly Read[], lastSeq: ReadonlyMap<string, number>): Events {
  const events: Events = new Map();
  const sorted = [...topic].sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
  let repeats = 0;
  let disorder = 0;
  const highest = new Map<string, number>();
  for (const m of sorted) {
    const e = campaignUpdatedSchema.parse(JSON.parse(m.value));
    if (!lastSeq.has(e.campaign_id)) continue;
    const seen = events.get(e.campaign_id) ?? new Map<number, CampaignUpdated>();
    events.set(e.campaign_id, seen);
    const before = seen.get(e.seq);
    if (before) {
      repeats++;
      if (canonical(before) !== canonical(e))
        report.problem(`seq ${e.seq} of campaign ${e.campaign_id} is on campaign.events twice, with different contents`);
      continue;
    }
    if (e.seq < (highest.get(e.campaign_id) ?? 0)) {
      disorder++;
      report.problem(
        `seq ${e.seq} of campaign ${e.campaign_id} comes after seq ${highest.get(e.campaign_id)} on campaign.events (partition ${m.partition} offset ${m.offset})`,
      );
    }
    highest.set(e.campaign_id, Math.max(e.seq, highest.get(e.campaign_id) ?? 0));
    seen.set(e.seq, e);
  }
  let whole = 0;
  let total = 0;
  for (const [id, last] of lastSeq) {
    const seen = events.get(id) ?? new Map();
    total += seen.size;
    const missing: number[] = [];
    for (let s = 1; s <= last; s++) if (!seen.has(s)) missing.push(s);
    const beyond = [...seen.keys()].filter((s) => s > last);
    if (missing.length === 0 && beyond.length === 0) whole++;
    if (missing.length > 0)
      report.problem(
        `campaign ${id}: seq ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} missing from campaign.events (last_seq ${last})`,
      );
    if (beyond.length > 0)
      report.problem(`campaign ${id}: seq ${beyond.slice(0, 5).join(', ')} on campaign.events beyond its last_seq ${last}`);
  }
  report.say(
    `campaign.events: ${total} events of ${lastSeq.size} campaigns; seq contiguous from 1 to last_seq for ${whole}/${lastSeq.size}; ` +
      `${count(repeats, 'repeat')} (a relay's re-send); ${disorder} out of seq order`,
  );
  return events;
}

/** What a conflated update of the events after `after` up to `seq` must say: the gateway's merge. */
function merged(events: ReadonlyMap<number, CampaignUpdated>, after: number, seq: number): CampaignUpdated | undefined {
  const positions = new Map<string, ChangedPositionJson>();
  let latest: CampaignUpdated | undefined;
  for (let s = after + 1; s <= seq; s++) {
    const e = events.get(s);
    if (!e) return undefined;
    latest = e;
    for (const p of e.changed_positions) {
      const before = positions.get(p.id);
      positions.set(p.id, before && !isWholePosition(p) ? { ...before, ...p } : p);
    }
  }
  if (!latest) return undefined;
  const changed = [...positions.values()];
  return { ...latest, reason: changed.every(isWholePosition) ? latest.reason : 'marked', changed_positions: changed };
}

const sameUpdate = (a: CampaignUpdated, b: CampaignUpdated): boolean => {
  const byId = (u: CampaignUpdated) => canonical(Object.fromEntries(u.changed_positions.map((p) => [p.id, p])));
  return (
    a.seq === b.seq &&
    a.version === b.version &&
    a.reason === b.reason &&
    canonical(a.totals) === canonical(b.totals) &&
    byId(a) === byId(b)
  );
};

/**
 * Section 3 on every client: no frame breaking the order (checked as they came); each update that
 * followed its predecessor is the event of that seq; each that skipped merges exactly the events
 * it skipped (conflation); every client ends at the campaign's last seq with the state REST gives;
 * and so every client of either gateway holds the same state.
 */
export function checkClients(
  report: Report,
  watchers: readonly WsWatcher[],
  events: Events,
  lastSeq: ReadonlyMap<string, number>,
  rest: ReadonlyMap<string, unknown>,
): void {
  const digests = new Map<string, Map<number, string>>();
  for (const [id, byseq] of events) digests.set(id, new Map([...byseq].map(([s, e]) => [s, digest(e)])));
  const sum = {
    frames: 0,
    connections: 0,
    contiguous: 0,
    conflated: 0,
    gapSnapshots: 0,
    fromBuffer: 0,
    bySnapshot: 0,
    errors: 0,
    anomalies: 0,
    wrongContent: 0,
    badMerge: 0,
    finals: 0,
    finalsOk: 0,
  };
  const finals = new Map<string, Set<string>>();
  for (const w of watchers) {
    sum.frames += w.frames;
    sum.connections += w.connections;
    for (const text of w.invalid.slice(0, 5)) report.problem(`${w.name}: a frame outside the contract: ${text}`);
    for (const t of w.tracks.values()) {
      tally(sum, t);
      for (const a of t.anomalies.slice(0, 5)) report.problem(`${w.name}, campaign ${t.campaignId}: ${a}`);
      const want = digests.get(t.campaignId) ?? new Map<number, string>();
      for (const [seq, d] of t.contiguous) {
        if (want.get(seq) === d) continue;
        sum.wrongContent++;
        if (sum.wrongContent <= 5)
          report.problem(`${w.name}, campaign ${t.campaignId}: update ${seq} differs from the event of that seq on campaign.events`);
      }
      for (const s of t.skips) {
        const expected = merged(events.get(t.campaignId) ?? new Map(), s.after, s.update.seq);
        if (expected && sameUpdate(expected, s.update)) continue;
        sum.badMerge++;
        report.problem(
          `${w.name}, campaign ${t.campaignId}: update ${s.update.seq} after ${s.after} does not merge the events in between (a lost change, not a conflation)`,
        );
      }
      const state = w.client.state(t.campaignId);
      sum.finals++;
      const ok = state?.seq === lastSeq.get(t.campaignId) && canonical(state?.data) === canonical(rest.get(t.campaignId));
      if (ok) sum.finalsOk++;
      else
        report.problem(
          `${w.name}, campaign ${t.campaignId}: final state at seq ${state?.seq} (last_seq ${lastSeq.get(t.campaignId)}) ${state?.seq === lastSeq.get(t.campaignId) ? 'differs from REST' : ''}`,
        );
      const f = finals.get(t.campaignId) ?? new Set<string>();
      f.add(canonical(state?.data));
      finals.set(t.campaignId, f);
    }
  }
  const identical = [...finals.values()].filter((f) => f.size === 1).length;
  report.say(
    `WebSocket: ${watchers.length} clients, ${sum.frames} frames over ${sum.connections} connections; ${sum.contiguous} updates right after the one before ` +
      `(${sum.wrongContent} differing from campaign.events), ${sum.conflated} skipping seq (conflated; ${sum.badMerge} not a merge of what they skipped)`,
  );
  report.say(
    `WebSocket resumes: ${sum.fromBuffer} from the gateway's buffer (resumed), ${sum.bySnapshot} by a fresh snapshot; ` +
      `${sum.gapSnapshots} snapshots replacing a gap within a connection; ${sum.errors} error frames; ${sum.anomalies} frames out of order`,
  );
  report.say(
    `WebSocket final states: ${sum.finalsOk}/${sum.finals} equal to REST at the last seq; identical on every client of both gateways for ${identical}/${finals.size} campaigns`,
  );
  if (sum.gapSnapshots > 0) {
    report.note(
      `${count(sum.gapSnapshots, 'snapshot')} replaced a gap within a connection (the gateway missed an event and read the state afresh; the state is whole, but the update in between never reached that client as an update)`,
    );
  }
}

function tally(sum: Record<string, number>, t: Track): void {
  sum.contiguous = (sum.contiguous ?? 0) + t.contiguous.length;
  sum.conflated = (sum.conflated ?? 0) + t.skips.length;
  sum.gapSnapshots = (sum.gapSnapshots ?? 0) + t.gapSnapshots.length;
  sum.fromBuffer = (sum.fromBuffer ?? 0) + t.counts.resumedFromBuffer;
  sum.bySnapshot = (sum.bySnapshot ?? 0) + t.counts.resumedBySnapshot;
  sum.errors = (sum.errors ?? 0) + t.counts.errors;
  sum.anomalies = (sum.anomalies ?? 0) + t.anomalies.length - t.counts.errors;
}
