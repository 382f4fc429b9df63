import type { CampaignUpdated, UpdateReason } from '@cpt/contracts';
import { type CampaignTotals, totalsToJson } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { POSITION_COLUMNS, type PositionRow, positionJson } from './rows.js';
import { pgArray, query } from './sql.js';
import { loadTotals } from './totals.js';

/** The PostgreSQL notification channel that announces new outbox rows. */
export const OUTBOX_CHANNEL = 'campaign_events';

/** What one committed change did to one campaign. */
export interface CampaignChange {
  campaignId: string;
  /** The campaign's `last_seq` after the change: the event's seq. */
  seq: number;
  version: number;
  reason: UpdateReason;
  changedPositionIds: readonly string[];
  /** The request that caused the change, published with the event as `x-request-id`. */
  requestId: string | null;
}

/**
 * Builds the `campaign_updated` event of each change from the state inside the transaction and
 * records it in the outbox, so that the event commits or rolls back with the change itself.
 */
export async function recordEvents(em: EntityManager, changes: readonly CampaignChange[], now: Date): Promise<CampaignUpdated[]> {
  if (changes.length === 0) return [];
  const totals = await loadTotals(
    em,
    changes.map((c) => c.campaignId),
  );
  const ids = changes.flatMap((c) => c.changedPositionIds);
  const rows =
    ids.length === 0
      ? []
      : await query<PositionRow>(
          em,
          `select ${POSITION_COLUMNS} from positions p where p.id = any(?::uuid[]) order by p.entry_date, p.id`,
          [pgArray(ids)],
        );
  const byCampaign = new Map<string, PositionRow[]>();
  for (const r of rows) {
    const list = byCampaign.get(r.campaign_id) ?? [];
    list.push(r);
    byCampaign.set(r.campaign_id, list);
  }
  const events = changes.map(
    (c): CampaignUpdated => ({
      type: 'campaign_updated',
      campaign_id: c.campaignId,
      seq: c.seq,
      version: c.version,
      reason: c.reason,
      totals: totalsToJson(totals.get(c.campaignId) as CampaignTotals),
      changed_positions: (byCampaign.get(c.campaignId) ?? []).map(positionJson),
    }),
  );
  const values = events.map(() => '(?::uuid, ?, ?::json, ?, ?)').join(', ');
  const params = events.flatMap((e, i) => [e.campaign_id, e.seq, JSON.stringify(e), changes[i]?.requestId ?? null, now]);
  await em.execute(`insert into campaign_events (campaign_id, seq, payload, request_id, created_at) values ${values}`, params, 'run');
  // Wakes the outbox relay as soon as this transaction commits (a notification is delivered on commit).
  await em.execute(`select pg_notify('${OUTBOX_CHANNEL}', '')`, [], 'run');
  return events;
}
