import type { AccountJson, AccountViewJson } from '@cpt/contracts';
import { type Dec, dec, fmt8, NotFoundError, percentOfEquity, ZERO } from '@cpt/domain';
import { type EntityManager, IsolationLevel } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';
import { selectCampaignExposures } from '../risk/risk.repository.js';
import { ACCOUNT_COLUMNS, type AccountRow, accountJson } from './account.mapper.js';
import { selectAccount } from './account.repository.js';

/** A change of an account's risk settings: each given field is set (`equity` may be set to null). */
export interface SettingsChange {
  equity?: Dec | null;
  maxCampaignRiskPct?: Dec;
  maxPortfolioHeatPct?: Dec;
}

const pct = (x: Dec | null): string | null => (x === null ? null : fmt8(x));

/** The caller's own account: its exposure to its stops and its risk settings (section 8). */
export class AccountRisk {
  constructor(private readonly em: EntityManager) {}

  /** The account with its heat and the exposure of each ACTIVE campaign, read in one snapshot. */
  view(accountId: string): Promise<AccountViewJson> {
    return this.em.fork().transactional(
      async (em) => {
        const row = await selectAccount(em, accountId);
        if (!row) throw new NotFoundError('account', accountId);
        const account = accountJson(row);
        const equity = row.equity === null ? null : dec(row.equity);
        const exposures = await selectCampaignExposures(em, accountId);
        let heat = ZERO;
        const campaigns = exposures.map((e) => {
          const exposure = dec(e.exposure);
          heat = heat.plus(exposure);
          return { campaign_id: e.campaign_id, exposure: fmt8(exposure), exposure_pct: pct(percentOfEquity(exposure, equity)) };
        });
        return { ...account, heat: fmt8(heat), heat_pct: pct(percentOfEquity(heat, equity)), campaigns };
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
  }

  /**
   * Sets the given settings. The update locks the account row, so it waits for a risk-checked
   * command in flight and the next one reads the new limits.
   */
  async updateSettings(accountId: string, change: SettingsChange, now = new Date()): Promise<AccountJson> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, v: Dec | null) => {
      sets.push(`${column} = ?`);
      params.push(v === null ? null : fmt8(v));
    };
    if (change.equity !== undefined) set('equity', change.equity);
    if (change.maxCampaignRiskPct !== undefined) set('max_campaign_risk_pct', change.maxCampaignRiskPct);
    if (change.maxPortfolioHeatPct !== undefined) set('max_portfolio_heat_pct', change.maxPortfolioHeatPct);
    sets.push('updated_at = ?');
    params.push(now, accountId);
    const [row] = await query<AccountRow>(
      this.em.fork(),
      `update accounts a set ${sets.join(', ')} where a.id = ? returning ${ACCOUNT_COLUMNS}`,
      params,
    );
    if (!row) throw new NotFoundError('account', accountId);
    return accountJson(row);
  }
}
