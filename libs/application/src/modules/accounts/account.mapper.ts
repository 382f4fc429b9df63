import type { AccountJson } from '@cpt/contracts';
import type { DbTimestamp } from '../../db/row-shape.js';
import { utcMillis } from '../../db/timestamps.js';

/** The columns of an account (alias `a`), its settings as text. */
export const ACCOUNT_COLUMNS =
  'a.id, a.name, a.created_at, a.equity::text as equity, a.max_campaign_risk_pct::text as max_campaign_risk_pct, a.max_portfolio_heat_pct::text as max_portfolio_heat_pct';

export interface AccountRow {
  id: string;
  name: string;
  created_at: DbTimestamp;
  equity: string | null;
  max_campaign_risk_pct: string;
  max_portfolio_heat_pct: string;
}

/** The contract's Account from a row: its settings nested. */
export function accountJson(r: AccountRow): AccountJson {
  return {
    id: r.id,
    name: r.name,
    created_at: utcMillis(r.created_at),
    settings: { equity: r.equity, max_campaign_risk_pct: r.max_campaign_risk_pct, max_portfolio_heat_pct: r.max_portfolio_heat_pct },
  };
}
