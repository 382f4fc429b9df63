import type { CampaignCommands } from '@cpt/application';
import { closePositionBody, etagHeader, exitPositionBody, exitResultSchema, idParams, moveStopBody, positionSchema } from '@cpt/contracts';
import type { ExitRequest } from '@cpt/domain';
import {
  addRoute,
  callerOf,
  errorResponses,
  ifMatchVersion,
  type RouteDeclaration,
  riskLimitedRules,
  setVersionTag,
  validationRules,
} from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';
import { commandHeaders } from './command-headers.js';
import { examples } from './examples.js';

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
  examples: examples.moveStop,
  responses: {
    200: { description: 'the position', body: positionSchema, headers: { ETag: etagHeader } },
    ...errorResponses(400, 404, 409, 413, 503, 500),
    ...riskLimitedRules('the position’s risk within 9999999999.99999999'),
  },
} satisfies RouteDeclaration;

export const closePosition = {
  method: 'POST',
  url: '/api/v1/positions/:id/close',
  access: 'campaigns:write',
  summary: 'Close a position: exit all its open shares at exit_price',
  tags,
  request: { params: idParams, headers: commandHeaders, body: closePositionBody },
  examples: examples.closePosition,
  responses: {
    200: { description: 'the closed position', body: positionSchema, headers: { ETag: etagHeader } },
    ...errorResponses(400, 404, 409, 413, 503, 500),
    ...validationRules(
      'closed_date not before the position’s entry_date nor its last exit, at most 60 s in the future, and in the years 0001–9999 once in UTC',
      'the realized P&L and the fees within 9999999999.99999999',
    ),
  },
} satisfies RouteDeclaration;

export const exitPosition = {
  method: 'POST',
  url: '/api/v1/positions/:id/exits',
  access: 'campaigns:write',
  summary: 'Exit part (or all) of an open position’s shares',
  tags,
  request: { params: idParams, headers: commandHeaders, body: exitPositionBody },
  examples: examples.exitPosition,
  responses: {
    201: { description: 'the exit and the position after it', body: exitResultSchema, headers: { ETag: etagHeader } },
    ...errorResponses(400, 404, 409, 413, 503, 500),
    ...validationRules(
      'shares at most the position’s open_shares',
      'date not before the position’s entry_date nor its last exit, at most 60 s in the future, and in the years 0001–9999 once in UTC',
      'the realized P&L and the fees within 9999999999.99999999',
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
    const r = await commands.closePosition(
      callerOf(req),
      id,
      { exitPrice: body.exit_price, closedDate: body.closed_date, fee: body.fee },
      { ifMatch: ifMatchVersion(headers['if-match']), requestId: req.id },
    );
    req.log.info({ positionId: id, campaignId: r.position.campaign_id, version: r.version, seq: r.event.seq }, 'position closed');
    return setVersionTag(reply, r.version).send(r.position);
  });

  addRoute(app, exitPosition, async ({ params: { id }, headers, body }, req, reply) => {
    const exit: ExitRequest = { shares: body.shares, price: body.price };
    if (body.date !== undefined) exit.date = body.date;
    if (body.fee !== undefined) exit.fee = body.fee;
    const r = await commands.exitPosition(callerOf(req), id, exit, {
      ifMatch: ifMatchVersion(headers['if-match']),
      requestId: req.id,
    });
    const reason = r.event.reason;
    req.log.info(
      { positionId: id, campaignId: r.position.campaign_id, exitId: r.exit.id, version: r.version, seq: r.event.seq, reason },
      'position exit',
    );
    return setVersionTag(reply, r.version).code(201).send({ exit: r.exit, position: r.position });
  });
};
