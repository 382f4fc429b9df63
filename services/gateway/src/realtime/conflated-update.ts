import { type CampaignUpdated, type ChangedPositionJson, isWholePosition } from '@cpt/contracts';

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
