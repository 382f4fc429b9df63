import type { CampaignUpdated, PositionJson } from '@cpt/contracts';

const byEntryThenId = (a: PositionJson, b: PositionJson): number =>
  a.entry_date < b.entry_date ? -1 : a.entry_date > b.entry_date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * The updates of one campaign merged while a client could not keep up: the latest seq, version,
 * reason and totals, and each changed position in its latest version. Every event carries the
 * whole state of what it changed, so the merge loses nothing a client needs to be up to date.
 */
export class ConflatedUpdate {
  private latest: CampaignUpdated;
  private readonly positions = new Map<string, PositionJson>();
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
    return { type, campaign_id, seq, version, reason, totals, changed_positions: [...this.positions.values()].sort(byEntryThenId) };
  }

  private add(e: CampaignUpdated): void {
    this.merged++;
    for (const p of e.changed_positions) this.positions.set(p.id, p);
  }
}
