import type { AccountEquityJson, CampaignEquityJson, EquityInterval } from '@cpt/contracts';
import { NotFoundError, ValidationError } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate, asDateOrNull, query } from '../../db/sql.js';
import { RESOLUTIONS, selectEquityCurve } from './equity.repository.js';

/** The most points one request may ask for (section 9). */
export const MAX_EQUITY_POINTS = 1000;

/** How long the points of each resolution are kept, in days (null: for ever). */
export const EQUITY_RETENTION_DAYS: Readonly<Record<EquityInterval, number | null>> = Object.freeze({ '1m': 8, '1h': 400, '1d': null });

/** The start of the bucket of `interval` that holds `d` (UTC). */
export const bucketOf = (d: Date, interval: EquityInterval): Date => {
  const ms = RESOLUTIONS[interval].ms;
  return new Date(Math.floor(d.getTime() / ms) * ms);
};

/** The first bucket whose points are all kept: the retention cut, rounded down to a bucket. */
export function keptFrom(interval: EquityInterval, now: Date): Date | null {
  const days = EQUITY_RETENTION_DAYS[interval];
  return days === null ? null : bucketOf(new Date(now.getTime() - days * 86_400_000), interval);
}

export interface EquityRequest {
  from: Date;
  to?: Date | undefined;
  interval: EquityInterval;
}

const latest = (...ds: (Date | null)[]): Date => new Date(Math.max(...ds.filter((d): d is Date => d !== null).map((d) => d.getTime())));

/** The buckets a request covers; 422 past {@link MAX_EQUITY_POINTS}, whatever the campaign's age. */
function span(q: EquityRequest, now: Date): { first: Date; end: Date } {
  const to = q.to === undefined || q.to.getTime() > now.getTime() ? now : q.to;
  const first = bucketOf(q.from, q.interval);
  const end = bucketOf(to, q.interval);
  const count = Math.floor((end.getTime() - first.getTime()) / RESOLUTIONS[q.interval].ms) + 1;
  if (count > MAX_EQUITY_POINTS) {
    throw new ValidationError([
      { path: 'from', message: `asks for ${count} points of ${q.interval}; at most ${MAX_EQUITY_POINTS} from from to to (or now)` },
    ]);
  }
  return { first, end };
}

/** Equity curves of campaigns and of whole accounts (section 9), each in one read. */
export class EquityReads {
  constructor(private readonly em: EntityManager) {}

  /** A campaign's curve; another account's campaign is not found. */
  async campaign(accountId: string, campaignId: string, q: EquityRequest, now = new Date()): Promise<CampaignEquityJson> {
    const { first, end } = span(q, now);
    const em = this.em.fork();
    const [c] = await query<{ created_at: Date | string }>(em, 'select created_at from campaigns where id = ? and account_id = ?', [
      campaignId,
      accountId,
    ]);
    if (!c) throw new NotFoundError('campaign', campaignId);
    const start = latest(first, bucketOf(asDate(c.created_at), q.interval), keptFrom(q.interval, now));
    const points = start > end ? [] : await selectEquityCurve(em, { accountId, campaignId, interval: q.interval, start, end });
    return { campaign_id: campaignId, interval: q.interval, points };
  }

  /** The account's curve: its campaigns' points summed, from the bucket of its first campaign. */
  async account(accountId: string, q: EquityRequest, now = new Date()): Promise<AccountEquityJson> {
    const { first, end } = span(q, now);
    const em = this.em.fork();
    const [row] = await query<{ first: Date | string | null }>(em, 'select min(created_at) as first from campaigns where account_id = ?', [
      accountId,
    ]);
    const created = asDateOrNull(row?.first ?? null);
    if (created === null) return { account_id: accountId, interval: q.interval, points: [] };
    const start = latest(first, bucketOf(created, q.interval), keptFrom(q.interval, now));
    const points = start > end ? [] : await selectEquityCurve(em, { accountId, campaignId: null, interval: q.interval, start, end });
    return { account_id: accountId, interval: q.interval, points };
  }
}
