import type { CampaignUpdated, UpdateReason } from '@cpt/contracts';
import { type CampaignTotals, totalsToJson } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type PositionRow, positionJson } from './rows.js';
import { query } from './sql.js';
import { loadTotals } from './totals.js';

// Five bind parameters a row, well under PostgreSQL's 65,535 a statement.
const EVENTS_PER_INSERT = 1000;

/** The PostgreSQL notification channel that announces new outbox rows. */
export const OUTBOX_CHANNEL = 'campaign_events';

/** What one committed change did to one campaign. */
export interface CampaignChange {
  campaignId: string;
  /** The campaign's `last_seq` after the change: the event's seq. */
  seq: number;
  version: number;
  reason: UpdateReason;
  /** The positions the change touched, as they are after it, in entry order. */
  changedPositions: readonly PositionRow[];
  /** The request that caused the change, published with the event as `x-request-id`. */
  requestId: string | null;
}

/**
 * Records the `campaign_updated` event of each change in the outbox, with the totals read inside
 * the transaction, so that the event commits or rolls back with the change itself.
 */
export async function recordEvents(em: EntityManager, changes: readonly CampaignChange[], now: Date): Promise<CampaignUpdated[]> {
  if (changes.length === 0) return [];
  const totals = await loadTotals(
    em,
    changes.map((c) => c.campaignId),
  );
  const events = changes.map(
    (c): CampaignUpdated => ({
      type: 'campaign_updated',
      campaign_id: c.campaignId,
      seq: c.seq,
      version: c.version,
      reason: c.reason,
      totals: totalsToJson(totals.get(c.campaignId) as CampaignTotals),
      changed_positions: c.changedPositions.map(positionJson),
    }),
  );
  // One bind parameter per payload, taken by PostgreSQL as the JSON text it is: no outer JSON
  // document to parse and take apart again (a batch of marks records about 1 MB of events).
  for (let i = 0; i < events.length; i += EVENTS_PER_INSERT) {
    const chunk = events.slice(i, i + EVENTS_PER_INSERT);
    await query(
      em,
      `insert into campaign_events (campaign_id, seq, payload, request_id, created_at)
       values ${chunk.map(() => '(?::uuid, ?::bigint, ?::json, ?, ?)').join(', ')}`,
      chunk.flatMap((e, j) => [e.campaign_id, e.seq, JSON.stringify(e), changes[i + j]?.requestId ?? null, now]),
    );
  }
  // Wakes the outbox relay as soon as this transaction commits (a notification is delivered on commit).
  await query(em, `select pg_notify('${OUTBOX_CHANNEL}', '')`);
  return events;
}
