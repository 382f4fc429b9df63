import type { EquityReads, StatsReads } from '@cpt/application';
import {
  accountEquitySchema,
  campaignEquitySchema,
  equityQuery,
  idParams,
  patternStatsListSchema,
  patternStatsQuery,
} from '@cpt/contracts';
import { addRoute, callerOf, errorResponses, type RouteDeclaration, validationRules } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';

const tags = ['analytics'];

const EQUITY_RULES = validationRules(
  'at most 1,000 buckets of interval from from to to (or now, to which to is clipped), whatever the campaign’s age',
  'from and to in the years 0001–9999 once in UTC',
);

export const getPatternStats = {
  method: 'GET',
  url: '/api/v1/stats/patterns',
  access: 'campaigns:read',
  summary: 'Per Wyckoff pattern: win rate, average R, net P&L, holding time and excursions of the account’s closed positions',
  tags,
  request: { querystring: patternStatsQuery },
  responses: {
    200: {
      description:
        'one item per pattern with closed positions whose closed_date is in [from, to), in the order SPRING, SOS, LPS, UTAD, SOW, LPSY',
      body: patternStatsListSchema,
    },
    ...errorResponses(503, 500),
    ...validationRules('from and to in the years 0001–9999 once in UTC'),
  },
} satisfies RouteDeclaration;

export const getCampaignEquity = {
  method: 'GET',
  url: '/api/v1/campaigns/:id/equity',
  access: 'campaigns:read',
  summary: 'A campaign’s equity curve: its totals at the end of each bucket',
  tags,
  request: { params: idParams, querystring: equityQuery },
  responses: {
    200: { description: 'one point per bucket from the first that holds or follows the campaign’s creation', body: campaignEquitySchema },
    ...errorResponses(404, 503, 500),
    ...EQUITY_RULES,
  },
} satisfies RouteDeclaration;

export const getAccountEquity = {
  method: 'GET',
  url: '/api/v1/equity',
  access: 'campaigns:read',
  summary: 'The account’s equity curve: its campaigns’ curves summed',
  tags,
  request: { querystring: equityQuery },
  responses: {
    200: {
      description: 'one point per bucket from the first that holds or follows the account’s first campaign',
      body: accountEquitySchema,
    },
    ...errorResponses(503, 500),
    ...EQUITY_RULES,
  },
} satisfies RouteDeclaration;

/** `/api/v1/stats…` and the equity curves (section 9). */
export const analyticsRoutes: FastifyPluginAsync<{ stats: StatsReads; equity: EquityReads }> = async (app, { stats, equity }) => {
  addRoute(app, getPatternStats, async ({ query: q }, req) => ({
    items: await stats.patterns(callerOf(req).accountId, { side: q.side, from: q.from, to: q.to }),
  }));

  addRoute(app, getCampaignEquity, async ({ params: { id }, query: q }, req) =>
    equity.campaign(callerOf(req).accountId, id, { from: q.from, to: q.to, interval: q.interval }),
  );

  addRoute(app, getAccountEquity, async ({ query: q }, req) =>
    equity.account(callerOf(req).accountId, { from: q.from, to: q.to, interval: q.interval }),
  );
};
