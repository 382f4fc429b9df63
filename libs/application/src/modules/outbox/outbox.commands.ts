import type { CampaignUpdated } from '@cpt/contracts';
import type { CampaignTotals } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEquity } from '../equity/equity.repository.js';
import { loadTotals } from '../totals/totals.repository.js';
import { type CampaignChange, campaignUpdated } from './event.mapper.js';
import { type DirectPublishing, deleteEvents, insertEvents, type PendingEvent, selectPending, tryRelayLock } from './outbox.repository.js';

/**
 * Records the `campaign_updated` event of each change in the outbox, and the point of each
 * campaign's equity curves, with the totals read inside the transaction, so that both commit or
 * roll back with the change itself. `accountId`
 * scopes the totals to a caller's account; marks, which serve no caller, pass null, and their
 * totals (`known`), which they compute from the positions they read. With `direct`, the events
 * its committer may publish itself right after the commit come back in `publishNow`.
 */
export async function recordEvents(
  em: EntityManager,
  changes: readonly CampaignChange[],
  now: Date,
  accountId: string | null,
  opts: { known?: ReadonlyMap<string, CampaignTotals>; direct?: DirectPublishing } = {},
): Promise<{ events: CampaignUpdated[]; publishNow: PendingEvent[] }> {
  if (changes.length === 0) return { events: [], publishNow: [] };
  const totals =
    opts.known ??
    (await loadTotals(
      em,
      changes.map((c) => c.campaignId),
      accountId,
    ));
  const events = changes.map((c) => campaignUpdated(c, totals.get(c.campaignId) as CampaignTotals));
  // The equity curves (section 9): the same totals, in the same transaction.
  await recordEquity(
    em,
    changes.map((c) => ({ campaignId: c.campaignId, totals: totals.get(c.campaignId) as CampaignTotals })),
    now,
  );
  const publishNow = await insertEvents(
    em,
    events.map((e, i) => ({ campaignId: e.campaign_id, seq: e.seq, payload: JSON.stringify(e), requestId: changes[i]?.requestId ?? null })),
    now,
    opts.direct,
  );
  return { events, publishNow };
}

/** Sends events to the broker; resolves once every one is acknowledged. */
export type PublishEvents = (events: readonly PendingEvent[]) => Promise<void>;

/**
 * Publishes up to `limit` pending events in id order (each campaign's seq order), then deletes
 * them, in one transaction holding the relay lock. A crash between the two republishes the same
 * events, which subscribers recognise by their seq. Resolves to the events published, or null
 * when another relay holds the lock. With `olderThanMs`, it publishes nothing unless the oldest
 * pending event is at least that old (see `selectPending`).
 */
export function publishPendingEvents(
  em: EntityManager,
  publish: PublishEvents,
  limit: number,
  olderThanMs?: number,
): Promise<{ published: PendingEvent[] } | null> {
  return em.fork().transactional(async (tx) => {
    if (!(await tryRelayLock(tx))) return null;
    const rows = await selectPending(tx, limit, olderThanMs);
    if (rows.length === 0) return { published: [] };
    await publish(rows);
    await deleteEvents(
      tx,
      rows.map((r) => r.id),
    );
    return { published: rows };
  });
}

/** Deletes from the outbox events that their committer has published itself. */
export async function deletePublishedEvents(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await deleteEvents(em.fork(), ids);
}
