import type { CampaignReads } from '@cpt/application';
import { idParams, journalPageSchema, pageQuery } from '@cpt/contracts';
import { addRoute, callerOf, errorResponses, type RouteDeclaration, validationRules } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';

export const getJournal = {
  method: 'GET',
  url: '/api/v1/campaigns/:id/journal',
  access: 'campaigns:read',
  summary: "A campaign's journal: one entry per command, newest first",
  tags: ['campaigns'],
  request: { params: idParams, querystring: pageQuery },
  responses: {
    200: { description: 'a page of entries; `next_cursor` fetches the next one', body: journalPageSchema },
    ...errorResponses(404, 503, 500),
    ...validationRules('a cursor this service did not issue'),
  },
} satisfies RouteDeclaration;

/** `GET /api/v1/campaigns/{id}/journal` (section 7). */
export const journalRoutes: FastifyPluginAsync<{ reads: CampaignReads }> = async (app, { reads }) => {
  addRoute(app, getJournal, async ({ params: { id }, query }, req) =>
    reads.getJournal(callerOf(req).accountId, id, { limit: query.limit, ...(query.cursor ? { cursor: query.cursor } : {}) }),
  );
};
