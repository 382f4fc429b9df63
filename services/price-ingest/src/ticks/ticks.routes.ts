import { MAX_TICKS_PER_REQUEST, tickInput } from '@cpt/contracts';
import { BadRequestError } from '@cpt/domain';
import { addRoute, errorResponses, type RouteDeclaration, validationRules } from '@cpt/http';
import { type OutgoingMessage, type Publisher, TOPICS } from '@cpt/messaging';
import { type MetricsRegistry, REQUEST_ID_HEADER } from '@cpt/platform';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ticksFromBody } from './parse-ticks.js';
import { tickMetrics } from './ticks.metrics.js';

export interface TickRoutesOptions {
  publisher: Publisher;
  metrics: MetricsRegistry;
}

/** One tick, or an array of up to 10,000. */
export const ticksBody = z.union([tickInput, z.array(tickInput).min(1).max(MAX_TICKS_PER_REQUEST)]);

export const postTicks = {
  method: 'POST',
  url: '/api/v1/ticks',
  access: 'ticks:write',
  summary: 'Publish ticks to market.ticks',
  description:
    'One tick or an array of up to 10,000, all or nothing: one invalid tick refuses the request (422, `details` naming ' +
    'the index and field) and nothing of it is published. 202 is sent only once Kafka acknowledged every tick. ' +
    'Large batches may also be sent as `application/x-ndjson`, one tick per line.',
  tags: ['ticks'],
  request: { body: ticksBody },
  // parse-ticks.ts validates with the tick schema, with a fast path for plain ticks and a bound on the faults reported.
  bodyValidatedByHandler: true,
  examples: {
    one: {
      summary: 'One tick',
      description: 'Put the current time in ts: a tick marks only the positions entered at or before it.',
      value: { symbol: 'GBPUSD', price: '1.25750000', ts: '2026-11-25T14:00:00.250Z', source: 'feed-a' },
    },
    batch: {
      summary: 'A batch: a symbol’s ticks in the order of their ts',
      value: [
        { symbol: 'GBPUSD', price: '1.2575', ts: '2026-11-25T14:00:00.250Z', source: 'feed-a' },
        { symbol: 'AAPL', price: 186.93, ts: '2026-11-25T15:00:00.500+01:00', source: 'feed-a' },
        { symbol: 'GBPUSD', price: '1.2576', ts: '2026-11-25T14:00:01.250Z', source: 'feed-a' },
      ],
    },
  },
  responses: {
    202: { description: 'every tick was published', body: z.object({ accepted: z.number().int().min(1).max(MAX_TICKS_PER_REQUEST) }) },
    ...errorResponses(400, 413, 503, 500),
    ...validationRules('ts at most 60 s after the server’s clock, and in the years 0001–9999 once in UTC'),
  },
} satisfies RouteDeclaration;

/**
 * `POST /api/v1/ticks`: validates the whole request, publishes every tick keyed by symbol (so
 * each symbol's ticks stay in order), and answers 202 only once Kafka acknowledged them all.
 */
export const tickRoutes: FastifyPluginAsync<TickRoutesOptions> = async (app, { publisher, metrics }) => {
  const counts = tickMetrics(metrics);
  app.addHook('onError', async (req, _reply, err) => counts.refused(req.body, err));
  addRoute(app, postTicks, async ({ body }, req, reply) => {
    if (body === undefined) throw new BadRequestError('a body of one tick or an array of ticks is required');
    const ticks = ticksFromBody(body, new Date());
    const messages: OutgoingMessage[] = ticks.map((t) => ({
      key: t.symbol,
      value: JSON.stringify(t),
      headers: { [REQUEST_ID_HEADER]: req.id },
    }));
    await publisher.publish(TOPICS.ticks, messages);
    counts.accepted(ticks.length);
    req.log.info({ accepted: ticks.length }, 'ticks published');
    return reply.code(202).send({ accepted: ticks.length });
  });
};
