import type { AccountRisk, SettingsChange } from '@cpt/application';
import { accountSchema, accountViewSchema, settingsBody } from '@cpt/contracts';
import { addRoute, callerOf, errorResponses, type RouteDeclaration } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';
import { examples } from './examples.js';

const tags = ['account'];

export const getAccount = {
  method: 'GET',
  url: '/api/v1/account',
  access: 'campaigns:read',
  summary: 'The caller’s account: its risk settings, its heat and the exposure of each ACTIVE campaign',
  tags,
  request: {},
  responses: {
    200: { description: 'the account with its heat (`heat_pct` null without equity)', body: accountViewSchema },
    ...errorResponses(503, 500),
  },
} satisfies RouteDeclaration;

export const updateSettings = {
  method: 'PATCH',
  url: '/api/v1/account/settings',
  access: 'campaigns:write',
  summary: 'Change the account’s risk settings: equity and the two limits',
  tags,
  request: { body: settingsBody },
  examples: examples.updateSettings,
  responses: {
    200: { description: 'the account', body: accountSchema },
    ...errorResponses(400, 413, 422, 503, 500),
  },
} satisfies RouteDeclaration;

/** `/api/v1/account…`: the caller's own account (section 8). */
export const accountRoutes: FastifyPluginAsync<{ risk: AccountRisk }> = async (app, { risk }) => {
  addRoute(app, getAccount, async (_input, req) => risk.view(callerOf(req).accountId));

  addRoute(app, updateSettings, async ({ body }, req) => {
    const change: SettingsChange = {};
    if (body.equity !== undefined) change.equity = body.equity;
    if (body.max_campaign_risk_pct !== undefined) change.maxCampaignRiskPct = body.max_campaign_risk_pct;
    if (body.max_portfolio_heat_pct !== undefined) change.maxPortfolioHeatPct = body.max_portfolio_heat_pct;
    const account = await risk.updateSettings(callerOf(req).accountId, change);
    req.log.info({ accountId: account.id, settings: account.settings }, 'account settings changed');
    return account;
  });
};
