import { type CampaignTotals, dec, EMPTY_SUMS, type TotalsSums, totalsFromSums } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDateOrNull, pgArray, query, statement } from '../../db/sql.js';
import { MARKED, positionsFrom } from '../positions/position.mapper.js';

interface SumsRow {
  campaign_id: string;
  open_shares: string;
  open_notional: string;
  open_risk: string;
  unrealized: string;
  realized: string;
  fees: string;
  initial_risk: string;
  open_count: number;
  closed_count: number;
  breached_count: number;
  as_of: Date | string | null;
}

// Exact NUMERIC sums in SQL of per-position figures, each rounded once (a position's P&L at its
// symbol's mark, section 6); the one division (weighted average) and its rounding happen in the domain.
const SUMS_SQL = statement(`
  select p.campaign_id,
    coalesce(sum(open_shares) filter (where status = 'OPEN'), 0)::text as open_shares,
    coalesce(sum(entry_price * open_shares) filter (where status = 'OPEN'), 0)::text as open_notional,
    coalesce(sum(risk) filter (where status = 'OPEN'), 0)::text as open_risk,
    coalesce(sum(${MARKED.currentPnl('p')}) filter (where status = 'OPEN'), 0)::text as unrealized,
    coalesce(sum(realized_pnl), 0)::text as realized,
    coalesce(sum(fees), 0)::text as fees,
    coalesce(sum(initial_risk), 0)::text as initial_risk,
    (count(*) filter (where status = 'OPEN'))::int as open_count,
    (count(*) filter (where status = 'CLOSED'))::int as closed_count,
    (count(*) filter (where status = 'OPEN' and stop_breached_at is not null))::int as breached_count,
    max(${MARKED.markedAt('p')}) as as_of
  from ${positionsFrom('p')}
  where p.campaign_id = any(?::uuid[]) and (p.account_id = ? or ?::uuid is null) group by p.campaign_id`);

const toSums = (r: SumsRow): TotalsSums => ({
  openShares: dec(r.open_shares),
  openNotional: dec(r.open_notional),
  openRisk: dec(r.open_risk),
  unrealizedPnl: dec(r.unrealized),
  realizedPnl: dec(r.realized),
  fees: dec(r.fees),
  initialRisk: dec(r.initial_risk),
  openCount: r.open_count,
  closedCount: r.closed_count,
  breachedCount: r.breached_count,
  asOf: asDateOrNull(r.as_of),
});

/**
 * The totals of each named campaign, in one aggregate query; a campaign with no position gets zeros.
 * A caller's read passes its account; `null` is for the marks, which serve no caller: market data
 * is shared, so a batch's events cover campaigns of every account.
 */
export async function loadTotals(
  em: EntityManager,
  campaignIds: readonly string[],
  accountId: string | null,
): Promise<Map<string, CampaignTotals>> {
  const out = new Map<string, CampaignTotals>();
  if (campaignIds.length === 0) return out;
  const rows = await query<SumsRow>(em, SUMS_SQL, [pgArray(campaignIds), accountId, accountId]);
  for (const r of rows) out.set(r.campaign_id, totalsFromSums(toSums(r)));
  for (const id of campaignIds) if (!out.has(id)) out.set(id, totalsFromSums(EMPTY_SUMS));
  return out;
}

/** What every position of a campaign adds to its totals whatever the mark: its realized P&L, fees and risk at entry, and the CLOSED ones. */
export interface MarkFreeSums {
  realizedPnl: string;
  fees: string;
  initialRisk: string;
  closedCount: number;
  /** The latest `marked_at` of its CLOSED positions (an OPEN one's derives from its symbol's mark). */
  closedAsOf: Date | string | null;
}

const MARK_FREE_SUMS = statement(
  `select campaign_id, coalesce(sum(realized_pnl), 0)::text as realized, coalesce(sum(fees), 0)::text as fees,
     coalesce(sum(initial_risk), 0)::text as initial_risk, (count(*) filter (where status = 'CLOSED'))::int as closed_count,
     max(marked_at) filter (where status = 'CLOSED') as closed_as_of
   from positions where campaign_id = any(?::uuid[]) group by campaign_id`,
);

/**
 * The sums of each campaign that no mark changes, over its own columns: the marks add what the
 * mark derives (section 6) for its OPEN positions, which they read anyway. A campaign with no
 * position is left out.
 */
export async function loadMarkFreeSums(em: EntityManager, campaignIds: readonly string[]): Promise<Map<string, MarkFreeSums>> {
  const rows = await query<{
    campaign_id: string;
    realized: string;
    fees: string;
    initial_risk: string;
    closed_count: number;
    closed_as_of: Date | string | null;
  }>(em, MARK_FREE_SUMS, [pgArray(campaignIds)]);
  return new Map(
    rows.map((r) => [
      r.campaign_id,
      {
        realizedPnl: r.realized,
        fees: r.fees,
        initialRisk: r.initial_risk,
        closedCount: r.closed_count,
        closedAsOf: r.closed_as_of,
      },
    ]),
  );
}
