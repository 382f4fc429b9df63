import type { CampaignCommands } from '@cpt/application';
import { closePositionBody, idParams, moveStopBody } from '@cpt/contracts';
import { ifMatchVersion, parseBody, parsePart, setVersionTag } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';

export interface PositionRoutesOptions {
  commands: CampaignCommands;
}

/** `/api/v1/positions/{id}…`: trailing stops and exits. */
export const positionRoutes: FastifyPluginAsync<PositionRoutesOptions> = async (app, { commands }) => {
  app.patch('/api/v1/positions/:id', async (req, reply) => {
    const { id } = parsePart(idParams, req.params);
    const b = parseBody(moveStopBody, req.body);
    const r = await commands.moveStop(id, b.stop_loss, { ifMatch: ifMatchVersion(req.headers['if-match']), requestId: req.id });
    req.log.info({ positionId: id, campaignId: r.position.campaign_id, version: r.version, seq: r.event.seq }, 'stop moved');
    return setVersionTag(reply, r.version).send(r.position);
  });

  app.post('/api/v1/positions/:id/close', async (req, reply) => {
    const { id } = parsePart(idParams, req.params);
    const b = parseBody(closePositionBody, req.body);
    const r = await commands.closePosition(id, b.exit_price, b.closed_date, {
      ifMatch: ifMatchVersion(req.headers['if-match']),
      requestId: req.id,
    });
    req.log.info({ positionId: id, campaignId: r.position.campaign_id, version: r.version, seq: r.event.seq }, 'position closed');
    return setVersionTag(reply, r.version).send(r.position);
  });
};
