import { type CampaignUpdated, type ChangedPositionJson, isWholePosition, MARK_FIELDS } from '@cpt/contracts';
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

/** What of an event decides whether a later one covers it (see {@link covers}). */
export interface ChangeShape {
  /** The ids of its changed positions. */
  ids: ReadonlySet<string>;
  /**
   * `whole`: every entry is a whole position (or there is none); `compact`: a `marked` event whose
   * every entry is compact (they all carry the same fields, section 3); `mixed` otherwise.
   */
  kind: 'whole' | 'compact' | 'mixed';
}

/** The fields of a compact entry: its id and every field a mark changes. */
const COMPACT_FIELDS = MARK_FIELDS.length + 1;

export function changeShape(e: CampaignUpdated): ChangeShape {
  const ids = new Set<string>();
  let whole = 0;
  let fullCompact = 0;
  for (const p of e.changed_positions) {
    ids.add(p.id);
    if (isWholePosition(p)) whole++;
    else if (Object.keys(p).length === COMPACT_FIELDS) fullCompact++;
  }
  const n = e.changed_positions.length;
  // A compact entry replaces another only when both carry every field (the contract's schema makes
  // them all required; counted all the same, so that an optional one could never lose a field).
  const kind = whole === n ? 'whole' : fullCompact === n && e.reason === 'marked' ? 'compact' : 'mixed';
  return { ids, kind };
}

/**
 * Whether {@link ConflatedUpdate} merging `earlier` then `later` gives `later`'s content alone:
 * `later` changed every position `earlier` did, and each of its entries replaces the earlier one
 * entirely (a whole position replaces anything; a compact entry replaces a compact one, which has
 * the same fields). Only the order of the changed positions may differ: the event keeps the
 * contract's, the merge orders compact entries by id.
 */
export function covers(later: ChangeShape, earlier: ChangeShape): boolean {
  if (earlier.ids.size === 0) return true;
  if (later.kind === 'mixed' || (later.kind === 'compact' && earlier.kind !== 'compact')) return false;
  for (const id of earlier.ids) if (!later.ids.has(id)) return false;
  return true;
}

/**
 * The updates of one campaign that a client which fell behind has not been sent, from `firstSeq`
 * on. While the latest event covers every one since `firstSeq` (its `coversFrom`), it is all the
 * client needs, and it goes out as the bytes the hub serialized once for every subscriber: no
 * merge, no serialization per client. Otherwise the events are merged ({@link ConflatedUpdate})
 * from the latest covering one on.
 */
export class PendingUpdate {
  private readonly firstSeq: number;
  private latest: HubEvent;
  private merged: ConflatedUpdate | undefined;

  /** Starts from the first event the client was not sent. */
  constructor(first: HubEvent) {
    this.firstSeq = first.seq;
    this.latest = first;
  }

  /** Takes the campaign's next event. */
  add(e: HubEvent): void {
    if (e.seq <= this.latest.seq) return;
    if (!this.merged && e.coversFrom <= this.firstSeq) {
      this.latest = e;
      return;
    }
    // What was pending until now is the latest event's content: the merge starts from it.
    this.merged ??= new ConflatedUpdate(this.latest.event());
    this.merged.merge(e.event());
    this.latest = e;
  }

  /** The message that brings the client up to date with every event taken. */
  bytes(): Buffer | string {
    return this.merged ? JSON.stringify(this.merged.toMessage()) : this.latest.bytes;
  }
}
