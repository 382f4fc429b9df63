import type { EquityInterval, EquityPointJson } from '@cpt/contracts';
import { type CampaignTotals, fmt8 } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query, statement } from '../../db/sql.js';
import { utcMillis } from '../../db/timestamps.js';

/** The PostgreSQL unit of each resolution (`date_trunc`) and its step (`interval`). */
export const RESOLUTIONS: Readonly<Record<EquityInterval, { unit: string; step: string; ms: number }>> = Object.freeze({
  '1m': { unit: 'minute', step: '1 minute', ms: 60_000 },
  '1h': { unit: 'hour', step: '1 hour', ms: 3_600_000 },
  '1d': { unit: 'day', step: '1 day', ms: 86_400_000 },
});

const RECORD_EQUITY = statement(
  `insert into campaign_equity as e (campaign_id, resolution, bucket, account_id, at, total_pnl, net_pnl, realized_pnl, unrealized_pnl, total_risk)
   select c.id, r.resolution, date_trunc(r.unit, ?::timestamptz, 'UTC'), c.account_id, ?::timestamptz,
     t.total_pnl, t.net_pnl, t.realized_pnl, t.unrealized_pnl, t.total_risk
   from json_to_recordset(?::json) as t(campaign_id uuid, total_pnl numeric, net_pnl numeric, realized_pnl numeric, unrealized_pnl numeric, total_risk numeric)
   join campaigns c on c.id = t.campaign_id
   cross join (values ('1m', 'minute'), ('1h', 'hour'), ('1d', 'day')) as r(resolution, unit)
   on conflict (campaign_id, resolution, bucket) do update set at = excluded.at, total_pnl = excluded.total_pnl,
     net_pnl = excluded.net_pnl, realized_pnl = excluded.realized_pnl, unrealized_pnl = excluded.unrealized_pnl,
     total_risk = excluded.total_risk
   where e.at <= excluded.at`,
);

/**
 * Records each campaign's totals after a committed change, in the same transaction: the bucket of
 * every resolution the change falls in is upserted with them (a later change of the same bucket
 * replaces them). The caller holds each campaign's lock, so a campaign's points are written in
 * commit order.
 */
export async function recordEquity(
  em: EntityManager,
  changes: readonly { campaignId: string; totals: CampaignTotals }[],
  at: Date,
): Promise<void> {
  if (changes.length === 0) return;
  const rows = JSON.stringify(
    changes.map(({ campaignId, totals: t }) => ({
      campaign_id: campaignId,
      total_pnl: fmt8(t.totalPnl),
      net_pnl: fmt8(t.netPnl),
      realized_pnl: fmt8(t.realizedPnl),
      unrealized_pnl: fmt8(t.unrealizedPnl),
      total_risk: fmt8(t.totalRisk),
    })),
  );
  await query(em, RECORD_EQUITY, [at, at, rows]);
}

interface PointRow {
  t: Date | string;
  total_pnl: string;
  net_pnl: string;
  realized_pnl: string;
  unrealized_pnl: string;
  total_risk: string;
}

const FIGURES = ['total_pnl', 'net_pnl', 'realized_pnl', 'unrealized_pnl', 'total_risk'] as const;

/**
 * The summed curve of the account's campaigns (or of one of them) from bucket `start` to bucket
 * `end`, one point per bucket: each campaign counts with its totals after its last change at or
 * before the end of the bucket, carried forward through quiet buckets, and nothing before its
 * first point. In one statement: each point of a campaign enters the sum as its difference from
 * the campaign's previous point (its first, the last before `start`, as itself), and a running sum
 * over the buckets adds them up. The buckets are stepped in UTC: in a session whose TimeZone keeps
 * daylight saving time, a `1 day` step of a timestamptz would drift by an hour at each change.
 */
export async function selectEquityCurve(
  em: EntityManager,
  q: { accountId: string; campaignId: string | null; interval: EquityInterval; start: Date; end: Date },
): Promise<EquityPointJson[]> {
  const r = RESOLUTIONS[q.interval];
  const diff = FIGURES.map((f) => `${f} - coalesce(lag(${f}) over w, 0) as ${f}`).join(', ');
  const sums = FIGURES.map((f) => `sum(${f}) as ${f}`).join(', ');
  const running = FIGURES.map((f) => `round(coalesce(sum(d.${f}) over (order by g.t), 0), 8)::text as ${f}`).join(', ');
  const rows = await query<PointRow>(
    em,
    `with mine as (
       select c.id from campaigns c where c.account_id = ?::uuid and (?::uuid is null or c.id = ?::uuid)
     ), points as (
       select b.campaign_id, b.bucket, ${FIGURES.join(', ')} from mine
       cross join lateral (
         select e.campaign_id, e.bucket, ${FIGURES.map((f) => `e.${f}`).join(', ')} from campaign_equity e
         where e.campaign_id = mine.id and e.resolution = ? and e.bucket < ?::timestamptz
         order by e.bucket desc limit 1) b
       union all
       select e.campaign_id, e.bucket, ${FIGURES.map((f) => `e.${f}`).join(', ')} from campaign_equity e join mine on mine.id = e.campaign_id
       where e.account_id = ?::uuid and e.resolution = ? and e.bucket between ?::timestamptz and ?::timestamptz
     ), diffs as (
       select greatest(bucket, ?::timestamptz) as t, ${diff} from points window w as (partition by campaign_id order by bucket)
     ), d as (select t, ${sums} from diffs group by t)
     select g.t, ${running}
     from (select s.u at time zone 'UTC' as t
           from generate_series(?::timestamptz at time zone 'UTC', ?::timestamptz at time zone 'UTC', ?::interval) as s(u)) g
     left join d on d.t = g.t
     order by g.t`,
    [
      q.accountId,
      q.campaignId,
      q.campaignId,
      q.interval,
      q.start,
      q.accountId,
      q.interval,
      q.start,
      q.end,
      q.start,
      q.start,
      q.end,
      r.step,
    ],
  );
  return rows.map((p) => ({
    t: utcMillis(p.t),
    total_pnl: p.total_pnl,
    net_pnl: p.net_pnl,
    realized_pnl: p.realized_pnl,
    unrealized_pnl: p.unrealized_pnl,
    total_risk: p.total_risk,
  }));
}

/**
 * Deletes the points of a resolution older than `before`, except each campaign's last one before
 * it, from which the kept points carry forward. In batches of `limit`; returns how many went.
 */
export async function pruneEquity(em: EntityManager, interval: EquityInterval, before: Date, limit: number): Promise<number> {
  const rows = await query<{ n: number }>(
    em,
    `with doomed as (
       select e.campaign_id, e.resolution, e.bucket from campaign_equity e
       where e.resolution = ? and e.bucket < ?::timestamptz
         and exists (select 1 from campaign_equity n where n.campaign_id = e.campaign_id and n.resolution = e.resolution
                     and n.bucket > e.bucket and n.bucket < ?::timestamptz)
       limit ?)
     delete from campaign_equity e using doomed d
     where e.campaign_id = d.campaign_id and e.resolution = d.resolution and e.bucket = d.bucket
     returning 1 as n`,
    [interval, before, before, limit],
  );
  return rows.length;
}
