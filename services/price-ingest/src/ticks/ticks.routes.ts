import { BadRequestError } from '@cpt/domain';
import { type OutgoingMessage, type Publisher, TOPICS } from '@cpt/messaging';
import { REQUEST_ID_HEADER } from '@cpt/platform';
import type { FastifyPluginAsync } from 'fastify';
import { ticksFromBody } from './parse-ticks.js';

export interface TickRoutesOptions {
  publisher: Publisher;
}

/**
 * `POST /api/v1/ticks`: validates the whole request, publishes every tick keyed by symbol (so
 * each symbol's ticks stay in order), and answers 202 only once Kafka acknowledged them all.
 */
export const tickRoutes: FastifyPluginAsync<TickRoutesOptions> = async (app, { publisher }) => {
  app.post('/api/v1/ticks', async (req, reply) => {
    if (req.body === undefined) throw new BadRequestError('a body of one tick or an array of ticks is required');
    const ticks = ticksFromBody(req.body, new Date());
    const messages: OutgoingMessage[] = ticks.map((t) => ({
      key: t.symbol,
      value: JSON.stringify(t),
      headers: { [REQUEST_ID_HEADER]: req.id },
    }));
    await publisher.publish(TOPICS.ticks, messages);
    req.log.info({ accepted: ticks.length }, 'ticks published');
    return reply.code(202).send({ accepted: ticks.length });
  });
};
