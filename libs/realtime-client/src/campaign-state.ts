import { type CampaignPositionsJson, type CampaignUpdated, isWholePosition, type PositionJson, type WsSnapshot } from '@cpt/contracts';

/** What a client knows of one campaign: its positions and totals as of `seq`. */
export interface CampaignState {
  readonly campaignId: string;
  readonly seq: number;
  readonly data: CampaignPositionsJson;
}

const byEntryThenId = (a: PositionJson, b: PositionJson): number =>
  a.entry_date < b.entry_date ? -1 : a.entry_date > b.entry_date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** The state a snapshot describes. */
export function stateFromSnapshot(s: WsSnapshot): CampaignState {
  return { campaignId: s.campaign_id, seq: s.seq, data: s.data };
}

/**
 * The state after an update, or undefined when the update is not newer than the state (a client
 * may see an update twice across a reconnect). Totals are replaced, each changed position
 * replaces the one with its id or joins the list (a compact `marked` entry is merged into it), kept in the contract's order (entry date, then
 * id). Applies conflated updates, whose seq skips the merged ones, the same way. Never mutates.
 */
export function applyUpdate(state: CampaignState, u: CampaignUpdated): CampaignState | undefined {
  if (u.campaign_id !== state.campaignId || u.seq <= state.seq) return undefined;
  const changed = new Map(u.changed_positions.map((p) => [p.id, p]));
  // One pass over the positions held: a compact `marked` entry merges into its position, a whole
  // one replaces it; the others are kept as they are (the same objects, so a view can skip them).
  const positions = state.data.positions.map((held) => {
    const p = changed.get(held.id);
    if (!p) return held;
    changed.delete(held.id);
    return isWholePosition(p) ? p : { ...held, ...p };
  });
  // Positions new to the client join in the contract's order; a compact entry of an unknown one is dropped.
  const added = [...changed.values()].filter(isWholePosition);
  return {
    campaignId: state.campaignId,
    seq: u.seq,
    data: {
      ...state.data,
      ...u.totals,
      campaign_id: state.campaignId,
      version: u.version,
      positions: added.length === 0 ? positions : [...positions, ...added].sort(byEntryThenId),
    },
  };
}
