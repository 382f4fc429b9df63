import type { CampaignCommands } from '@cpt/application';
import { closePositionBody, etagHeader, idParams, moveStopBody, positionSchema } from '@cpt/contracts';
import { addRoute, callerOf, errorResponses, ifMatchVersion, type RouteDeclaration, setVersionTag, validationRules } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';
import { commandHeaders } from './command-headers.js';

export interface PositionRoutesOptions {
  commands: CampaignCommands;
}

const tags = ['positions'];

export const moveStop = {
  method: 'PATCH',
  url: '/api/v1/positions/:id',
  access: 'campaigns:write',
  summary: 'Move the stop of an open position (a trailing stop)',
  tags,
  request: { params: idParams, headers: commandHeaders, body: moveStopBody },
  responses: {
    200: { description: 'the position', body: positionSchema, headers: { ETag: etagHeader } },
    ...errorResponses(400, 404, 409, 413, 503, 500),
    ...validationRules('the position’s risk within 9999999999.99999999'),
  },
} satisfies RouteDeclaration;

export const closePosition = {
  method: 'POST',
  url: '/api/v1/positions/:id/close',
  access: 'campaigns:write',
  summary: 'Close a position at exit_price',
  tags,
  request: { params: idParams, headers: commandHeaders, body: closePositionBody },
  responses: {
    200: { description: 'the closed position', body: positionSchema, headers: { ETag: etagHeader } },
    ...errorResponses(400, 404, 409, 413, 503, 500),
    ...validationRules(
      'closed_date not before the position’s entry_date, at most 60 s in the future, and in the years 0001–9999 once in UTC',
      'the realized P&L within 9999999999.99999999',
    ),
  },
} satisfies RouteDeclaration;

/** `/api/v1/positions/{id}…`: trailing stops and exits. */
export const positionRoutes: FastifyPluginAsync<PositionRoutesOptions> = async (app, { commands }) => {
  addRoute(app, moveStop, async ({ params: { id }, headers, body }, req, reply) => {
    const r = await commands.moveStop(callerOf(req), id, body.stop_loss, {
      ifMatch: ifMatchVersion(headers['if-match']),
      requestId: req.id,
    });
    req.log.info({ positionId: id, campaignId: r.position.campaign_id, version: r.version, seq: r.event.seq }, 'stop moved');
    return setVersionTag(reply, r.version).send(r.position);
  });

  addRoute(app, closePosition, async ({ params: { id }, headers, body }, req, reply) => {
    const r = await commands.closePosition(callerOf(req), id, body.exit_price, body.closed_date, {
      ifMatch: ifMatchVersion(headers['if-match']),
      requestId: req.id,
    });
    req.log.info({ positionId: id, campaignId: r.position.campaign_id, version: r.version, seq: r.event.seq }, 'position closed');
    return setVersionTag(reply, r.version).send(r.position);
  });
};
