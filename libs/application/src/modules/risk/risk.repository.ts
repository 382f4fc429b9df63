import { dec, type ExposureNow, type RiskSettings } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';

interface SettingsRow {
  equity: string | null;
  max_campaign_risk_pct: string;
  max_portfolio_heat_pct: string;
}

/**
 * The account's risk settings, its row locked for the rest of the transaction: the lock that makes
 * a risk check and its change atomic for the whole account. Every command that may raise exposure
 * takes it before its campaign's lock (and a settings change takes it by updating the row), so
 * they run one at a time per account. `NO KEY UPDATE` leaves the row's key free: inserting a
 * campaign or a position (whose foreign key locks the account row `KEY SHARE`) is not held up.
 */
export async function lockRiskSettings(em: EntityManager, accountId: string): Promise<RiskSettings | null> {
  const [row] = await query<SettingsRow>(
    em,
    `select equity::text as equity, max_campaign_risk_pct::text as max_campaign_risk_pct,
       max_portfolio_heat_pct::text as max_portfolio_heat_pct
     from accounts where id = ? for no key update`,
    [accountId],
  );
  if (!row) return null;
  return {
    equity: row.equity === null ? null : dec(row.equity),
    maxCampaignRiskPct: dec(row.max_campaign_risk_pct),
    maxPortfolioHeatPct: dec(row.max_portfolio_heat_pct),
  };
}

/** The exposure of one campaign and the heat of its account: positive risk summed over OPEN positions. */
export async function exposureNow(em: EntityManager, accountId: string, campaignId: string): Promise<ExposureNow> {
  const [row] = await query<{ campaign: string; heat: string }>(
    em,
    `select coalesce(sum(greatest(risk, 0)) filter (where campaign_id = ?), 0)::text as campaign,
       coalesce(sum(greatest(risk, 0)), 0)::text as heat
     from positions where account_id = ? and status = 'OPEN'`,
    [campaignId, accountId],
  );
  return { campaign: dec(row?.campaign ?? '0'), heat: dec(row?.heat ?? '0') };
}

/** The exposure of each ACTIVE campaign of the account, oldest campaign first. */
export function selectCampaignExposures(em: EntityManager, accountId: string): Promise<{ campaign_id: string; exposure: string }[]> {
  return query<{ campaign_id: string; exposure: string }>(
    em,
    `select c.id as campaign_id, coalesce(sum(greatest(p.risk, 0)), 0)::text as exposure
     from campaigns c left join positions p on p.campaign_id = c.id and p.account_id = c.account_id and p.status = 'OPEN'
     where c.account_id = ? and c.status = 'ACTIVE'
     group by c.id, c.created_at order by c.created_at, c.id`,
    [accountId],
  );
}
