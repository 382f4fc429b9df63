import type { CampaignCommands, CampaignReads } from '@cpt/application';
import { campaignPositionsQuery, createCampaignBody, createPositionBody, idParams, listCampaignsQuery } from '@cpt/contracts';
import { ifMatchVersion, parseBody, parsePart, setVersionTag } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';

export interface CampaignRoutesOptions {
  commands: CampaignCommands;
  reads: CampaignReads;
}

/** `/api/v1/campaigns…`: campaigns, their positions and totals. */
export const campaignRoutes: FastifyPluginAsync<CampaignRoutesOptions> = async (app, { commands, reads }) => {
  app.post('/api/v1/campaigns', async (req, reply) => {
    const body = parseBody(createCampaignBody, req.body);
    const campaign = await commands.createCampaign(body, { requestId: req.id });
    req.log.info({ campaignId: campaign.id }, 'campaign created');
    return setVersionTag(reply, campaign.version).code(201).header('location', `/api/v1/campaigns/${campaign.id}`).send(campaign);
  });

  app.get('/api/v1/campaigns', async (req) => {
    const q = parsePart(listCampaignsQuery, req.query);
    return reads.listCampaigns({ limit: q.limit, ...(q.status ? { status: q.status } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
  });

  app.get('/api/v1/campaigns/:id', async (req, reply) => {
    const { id } = parsePart(idParams, req.params);
    const campaign = await reads.getCampaign(id);
    return setVersionTag(reply, campaign.version).send(campaign);
  });

  app.post('/api/v1/campaigns/:id/close', async (req, reply) => {
    const { id } = parsePart(idParams, req.params);
    const { campaign } = await commands.closeCampaign(id, { ifMatch: ifMatchVersion(req.headers['if-match']), requestId: req.id });
    req.log.info({ campaignId: id, version: campaign.version }, 'campaign closed');
    return setVersionTag(reply, campaign.version).send(campaign);
  });

  app.get('/api/v1/campaigns/:id/positions', async (req, reply) => {
    const { id } = parsePart(idParams, req.params);
    const q = parsePart(campaignPositionsQuery, req.query);
    const view = await reads.getCampaignPositions(id, { includeClosed: q.include_closed });
    return setVersionTag(reply, view.data.version).send(view.data);
  });

  app.post('/api/v1/campaigns/:id/positions', async (req, reply) => {
    const { id } = parsePart(idParams, req.params);
    const b = parseBody(createPositionBody, req.body);
    const r = await commands.addPosition(
      id,
      {
        patternType: b.pattern_type,
        entryPrice: b.entry_price,
        shares: b.shares,
        stopLoss: b.stop_loss,
        ...(b.entry_date ? { entryDate: b.entry_date } : {}),
        ...(b.signal_id !== undefined ? { signalId: b.signal_id } : {}),
        ...(b.symbol !== undefined ? { symbol: b.symbol } : {}),
        ...(b.timeframe !== undefined ? { timeframe: b.timeframe } : {}),
      },
      { ifMatch: ifMatchVersion(req.headers['if-match']), requestId: req.id },
    );
    req.log.info({ campaignId: id, positionId: r.position.id, version: r.version, seq: r.event.seq }, 'position opened');
    return setVersionTag(reply, r.version).code(201).send(r.position);
  });
};
