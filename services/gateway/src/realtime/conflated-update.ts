import { type CampaignUpdated, type ChangedPositionJson, isWholePosition } from '@cpt/contracts';
import { covers } from './change-shape.js';
import type { HubEvent } from './hub-event.js';

const entryOf = (p: ChangedPositionJson): string => (isWholePosition(p) ? p.entry_date : '');
const byEntryThenId = (a: ChangedPositionJson, b: ChangedPositionJson): number => {
  const [x, y] = [entryOf(a), entryOf(b)];
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * The updates of one campaign merged while a client could not keep up: the latest seq, version,
 * reason and totals, and each changed position merged by id (a compact `marked` entry onto what
 * came before it of that position). Every event carries everything it changed, so the merge loses
 * nothing a client needs to be up to date. When a compact entry is left unmerged into a whole
 * position, the message is a `marked` one: every other reason carries whole positions.
 */
export class ConflatedUpdate {
  private latest: CampaignUpdated;
  private readonly positions = new Map<string, ChangedPositionJson>();
  /** How many events were merged into this one. */
  merged = 0;

  constructor(first: CampaignUpdated) {
    this.latest = first;
    this.add(first);
  }

  get seq(): number {
    return this.latest.seq;
  }

  /** Merges a later event of the same campaign. */
  merge(next: CampaignUpdated): void {
    if (next.seq <= this.latest.seq) return;
    this.latest = next;
    this.add(next);
  }

  /** The merged `campaign_updated` message, changed positions ordered as the contract orders positions. */
  toMessage(): CampaignUpdated {
    const { type, campaign_id, seq, version, reason, totals } = this.latest;
    const changed = [...this.positions.values()].sort(byEntryThenId);
    const merged = changed.every(isWholePosition) ? reason : 'marked';
    return { type, campaign_id, seq, version, reason: merged, totals, changed_positions: changed };
  }

  private add(e: CampaignUpdated): void {
    this.merged++;
    for (const p of e.changed_positions) {
      const before = this.positions.get(p.id);
      this.positions.set(p.id, before && !isWholePosition(p) ? { ...before, ...p } : p);
    }
  }
}

/**
 * The updates of one campaign that a client which fell behind has not been sent. While the latest
 * event covers every one before it since the first (each covers the one before it, see
 * {@link covers}), it is all the client needs, and it goes out as the bytes every subscriber gets:
 * no merge, no serialization per client. Otherwise the events are merged ({@link ConflatedUpdate})
 * from the latest covering one on. Only here are events parsed (once each, for every client).
 */
export class PendingUpdate {
  private latest: HubEvent;
  private merged: ConflatedUpdate | undefined;

  /** Starts from the first event the client was not sent. */
  constructor(first: HubEvent) {
    this.latest = first;
  }

  /**
   * Takes the campaign's next event. False when the events cannot be merged because one of them is
   * not a valid `campaign_updated` message: the client then needs a fresh snapshot instead.
   */
  add(e: HubEvent): boolean {
    if (e.seq <= this.latest.seq) return true;
    if (!this.merged) {
      const later = e.shape();
      const earlier = this.latest.shape();
      if (later && earlier && e.seq === this.latest.seq + 1 && covers(later, earlier)) {
        this.latest = e;
        return true;
      }
      // What was pending until now is the latest event's content: the merge starts from it.
      const first = this.latest.event();
      if (!first) return false;
      this.merged = new ConflatedUpdate(first);
    }
    const next = e.event();
    if (!next) return false;
    this.merged.merge(next);
    this.latest = e;
    return true;
  }

  /** The message that brings the client up to date with every event taken. */
  bytes(): Buffer | string {
    return this.merged ? JSON.stringify(this.merged.toMessage()) : this.latest.bytes;
  }
}
