import { type CampaignUpdated, isWholePosition, MARK_FIELDS } from '@cpt/contracts';

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
