import type { CampaignCommands, CampaignReads } from '@cpt/application';
import {
  campaignListSchema,
  campaignLocationHeader,
  campaignPositionsQuery,
  campaignPositionsSchema,
  campaignSchema,
  campaignWithTotalsSchema,
  createCampaignBody,
  createPositionBody,
  etagHeader,
  idParams,
  listCampaignsQuery,
  positionSchema,
  updateCampaignBody,
} from '@cpt/contracts';
import { addRoute, callerOf, errorResponses, ifMatchVersion, type RouteDeclaration, riskLimitedRules, setVersionTag } from '@cpt/http';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { commandHeaders } from './command-headers.js';
import { examples } from './examples.js';
import type { RenderedRead, RenderedReads } from './rendered-reads.js';

export interface CampaignRoutesOptions {
  commands: CampaignCommands;
  reads: CampaignReads;
  /** The bodies of `GET …/{id}` and `GET …/{id}/positions`, kept until their campaign changes. */
  rendered: RenderedReads;
}

// The bytes fastify's serializer would send for the same value: `JSON.stringify`, in UTF-8.
const renderedRead = (data: unknown, seq: number, version: number): RenderedRead => ({
  body: Buffer.from(JSON.stringify(data)),
  stamp: { seq, version },
});

/** A rendered read as fastify sends a serialized one: its ETag, then the JSON type. */
const sendRendered = (reply: FastifyReply, r: RenderedRead): FastifyReply =>
  setVersionTag(reply, r.stamp.version).type('application/json; charset=utf-8').send(r.body);

const tags = ['campaigns'];

export const createCampaign = {
  method: 'POST',
  url: '/api/v1/campaigns',
  access: 'campaigns:write',
  summary: 'Create a campaign',
  tags,
  request: { body: createCampaignBody },
  examples: examples.createCampaign,
  responses: {
    201: { description: 'the campaign', body: campaignSchema, headers: { ETag: etagHeader, Location: campaignLocationHeader } },
    ...errorResponses(400, 413, 422, 503, 500),
  },
} satisfies RouteDeclaration;

export const listCampaigns = {
  method: 'GET',
  url: '/api/v1/campaigns',
  access: 'campaigns:read',
  summary: 'List campaigns with their totals, newest first',
  tags,
  request: { querystring: listCampaignsQuery },
  responses: {
    200: { description: 'a page of campaigns; `next_cursor` fetches the next one', body: campaignListSchema },
    ...errorResponses(422, 503, 500),
  },
} satisfies RouteDeclaration;

export const getCampaign = {
  method: 'GET',
  url: '/api/v1/campaigns/:id',
  access: 'campaigns:read',
  summary: 'One campaign with its totals',
  tags,
  request: { params: idParams },
  responses: {
    200: { description: 'the campaign', body: campaignWithTotalsSchema, headers: { ETag: etagHeader } },
    ...errorResponses(404, 422, 503, 500),
  },
} satisfies RouteDeclaration;

export const updateCampaign = {
  method: 'PATCH',
  url: '/api/v1/campaigns/:id',
  access: 'campaigns:write',
  summary: "Change a campaign's settings (auto_exit_on_stop)",
  description:
    'A setting changed is a structural change: the version grows by 1, the journal gains a `campaign_updated` entry and ' +
    'subscribers get a `campaign_updated` update with reason `settings_changed`. Setting the value the campaign already ' +
    'has changes nothing: 200 with the campaign at its version, no journal entry, no update. A CLOSED campaign is 409 `conflict`.',
  tags,
  request: { params: idParams, headers: commandHeaders, body: updateCampaignBody },
  examples: examples.updateCampaign,
  responses: {
    200: { description: 'the campaign', body: campaignSchema, headers: { ETag: etagHeader } },
    ...errorResponses(400, 404, 409, 413, 422, 503, 500),
  },
} satisfies RouteDeclaration;

export const closeCampaign = {
  method: 'POST',
  url: '/api/v1/campaigns/:id/close',
  access: 'campaigns:write',
  summary: 'Close a campaign that has no open position',
  tags,
  request: { params: idParams, headers: commandHeaders },
  responses: {
    200: { description: 'the closed campaign', body: campaignSchema, headers: { ETag: etagHeader } },
    ...errorResponses(404, 409, 422, 503, 500),
  },
} satisfies RouteDeclaration;

export const getCampaignPositions = {
  method: 'GET',
  url: '/api/v1/campaigns/:id/positions',
  access: 'campaigns:read',
  summary: "A campaign's positions (by entry_date, then id) and the totals of the whole campaign",
  tags,
  request: { params: idParams, querystring: campaignPositionsQuery },
  responses: {
    200: { description: 'positions and totals', body: campaignPositionsSchema, headers: { ETag: etagHeader } },
    ...errorResponses(404, 422, 503, 500),
  },
} satisfies RouteDeclaration;

export const addPosition = {
  method: 'POST',
  url: '/api/v1/campaigns/:id/positions',
  access: 'campaigns:write',
  summary: 'Open a position in a campaign',
  tags,
  request: { params: idParams, headers: commandHeaders, body: createPositionBody },
  examples: examples.addPosition,
  responses: {
    201: {
      description: 'the position',
      body: positionSchema,
      headers: { ETag: etagHeader },
      links: {
        MoveStop: { operation: 'PATCH /api/v1/positions/{id}', parameters: { id: '$response.body#/id' } },
        ExitPosition: { operation: 'POST /api/v1/positions/{id}/exits', parameters: { id: '$response.body#/id' } },
        ClosePosition: { operation: 'POST /api/v1/positions/{id}/close', parameters: { id: '$response.body#/id' } },
      },
    },
    ...errorResponses(400, 404, 409, 413, 503, 500),
    ...riskLimitedRules(
      'a LONG stop_loss below entry_price, a SHORT one above it',
      'pattern_type of the campaign’s side (SPRING, SOS, LPS for LONG; UTAD, SOW, LPSY for SHORT)',
      'symbol equal to the campaign’s',
      'entry_date at most 60 s in the future, and in the years 0001–9999 once in UTC',
      'the position’s value and risk within 9999999999.99999999',
    ),
  },
} satisfies RouteDeclaration;

/** `/api/v1/campaigns…`: campaigns, their positions and totals. */
export const campaignRoutes: FastifyPluginAsync<CampaignRoutesOptions> = async (app, { commands, reads, rendered }) => {
  addRoute(app, createCampaign, async ({ body }, req, reply) => {
    const { auto_exit_on_stop: autoExitOnStop, ...fields } = body;
    const campaign = await commands.createCampaign(callerOf(req), { ...fields, autoExitOnStop }, { requestId: req.id });
    req.log.info({ campaignId: campaign.id }, 'campaign created');
    return setVersionTag(reply, campaign.version).code(201).header('location', `/api/v1/campaigns/${campaign.id}`).send(campaign);
  });

  addRoute(app, listCampaigns, async ({ query: q }, req) =>
    reads.listCampaigns(callerOf(req).accountId, {
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    }),
  );

  addRoute(app, getCampaign, async ({ params: { id } }, req, reply) => {
    const { accountId } = callerOf(req);
    const r = await rendered.read(accountId, id, 'campaign', async () => {
      const view = await reads.getCampaignView(accountId, id);
      return renderedRead(view.data, view.seq, view.data.version);
    });
    return sendRendered(reply, r);
  });

  addRoute(app, updateCampaign, async ({ params: { id }, headers, body }, req, reply) => {
    const { campaign, event } = await commands.updateCampaign(
      callerOf(req),
      id,
      { autoExitOnStop: body.auto_exit_on_stop },
      { ifMatch: ifMatchVersion(headers['if-match']), requestId: req.id },
    );
    req.log.info({ campaignId: id, version: campaign.version, seq: event?.seq ?? null, changed: event !== null }, 'campaign settings');
    return setVersionTag(reply, campaign.version).send(campaign);
  });

  addRoute(app, closeCampaign, async ({ params: { id }, headers }, req, reply) => {
    const { campaign } = await commands.closeCampaign(callerOf(req), id, {
      ifMatch: ifMatchVersion(headers['if-match']),
      requestId: req.id,
    });
    req.log.info({ campaignId: id, version: campaign.version }, 'campaign closed');
    return setVersionTag(reply, campaign.version).send(campaign);
  });

  addRoute(app, getCampaignPositions, async ({ params: { id }, query }, req, reply) => {
    const { accountId } = callerOf(req);
    const includeClosed = query.include_closed;
    const r = await rendered.read(accountId, id, includeClosed ? 'positions' : 'open-positions', async () => {
      const view = await reads.getCampaignPositions(accountId, id, { includeClosed });
      return renderedRead(view.data, view.seq, view.data.version);
    });
    return sendRendered(reply, r);
  });

  addRoute(app, addPosition, async ({ params: { id }, headers, body: b }, req, reply) => {
    const r = await commands.addPosition(
      callerOf(req),
      id,
      {
        patternType: b.pattern_type,
        entryPrice: b.entry_price,
        shares: b.shares,
        stopLoss: b.stop_loss,
        ...(b.entry_fee !== undefined ? { entryFee: b.entry_fee } : {}),
        ...(b.entry_date ? { entryDate: b.entry_date } : {}),
        ...(b.signal_id !== undefined ? { signalId: b.signal_id } : {}),
        ...(b.symbol !== undefined ? { symbol: b.symbol } : {}),
        ...(b.timeframe !== undefined ? { timeframe: b.timeframe } : {}),
      },
      { ifMatch: ifMatchVersion(headers['if-match']), requestId: req.id },
    );
    req.log.info({ campaignId: id, positionId: r.position.id, version: r.version, seq: r.event.seq }, 'position opened');
    return setVersionTag(reply, r.version).code(201).send(r.position);
  });
};
