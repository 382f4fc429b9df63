import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

const money = () => p.decimal('string').precision(18).scale(8);

/** An account: it owns campaigns and keys, and holds the risk settings of its portfolio. */
export const Account = defineEntity({
  name: 'Account',
  tableName: 'accounts',
  checks: [
    { name: 'accounts_equity_check', expression: 'equity > 0' },
    { name: 'accounts_max_campaign_risk_pct_check', expression: 'max_campaign_risk_pct > 0 and max_campaign_risk_pct <= 100' },
    { name: 'accounts_max_portfolio_heat_pct_check', expression: 'max_portfolio_heat_pct > 0 and max_portfolio_heat_pct <= 100' },
  ],
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    equity: money().nullable(),
    maxCampaignRiskPct: money().defaultRaw('5.00000000'),
    maxPortfolioHeatPct: money().defaultRaw('10.00000000'),
    createdAt: p.datetime().length(3),
    updatedAt: p.datetime().length(3),
  },
});
export type AccountEntity = InferEntity<typeof Account>;
