import {
  campaignListSchema,
  campaignPositionsSchema,
  campaignSchema,
  campaignWithTotalsSchema,
  closePositionBody,
  createCampaignBody,
  createPositionBody,
  errorBodySchema,
  moveStopBody,
  positionSchema,
} from '@cpt/contracts';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, {
    io,
    unrepresentable: 'any',
    target: 'openapi-3.0',
    override: (ctx) => {
      // Decimals are validated by code; on the wire they are strings (numbers are accepted too).
      const meta = z.globalRegistry.get(ctx.zodSchema as unknown as z.ZodType);
      if (meta && typeof meta.description === 'string' && meta.description.startsWith('decimal')) {
        Object.assign(ctx.jsonSchema, { oneOf: [{ type: 'string' }, { type: 'number' }] });
      }
    },
  }) as Json;
  return rest;
};

const json = (s: z.ZodType, io: 'input' | 'output') => ({ 'application/json': { schema: schema(s, io) } });
const ok = (description: string, s: z.ZodType) => ({ description, content: json(s, 'output') });
const error = (description: string) => ({ description, content: json(errorBodySchema, 'output') });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const ifMatch = { name: 'If-Match', in: 'header', required: false, schema: { type: 'string', example: '"3"' } };
const errors = {
  '400': error('body is not valid JSON, or wrong content type'),
  '404': error('the campaign or position does not exist'),
  '409': error('version_conflict (If-Match differs) or conflict (impossible in the current state)'),
  '422': error('validation_failed, with details'),
  '503': error('PostgreSQL or Kafka cannot be reached; nothing was changed'),
};

/** The OpenAPI 3 document of the gateway's REST API, generated from the contract's zod schemas. */
export function openApiDocument(): Json {
  return {
    openapi: '3.0.3',
    info: { title: 'Campaign position tracking — gateway', version: '1.0.0' },
    paths: {
      '/api/v1/campaigns': {
        post: {
          summary: 'Create a campaign',
          requestBody: { required: true, content: json(createCampaignBody, 'input') },
          responses: { '201': ok('the campaign', campaignSchema), ...errors },
        },
        get: {
          summary: 'List campaigns with their totals, newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['ACTIVE', 'CLOSED'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': ok('a page of campaigns', campaignListSchema), ...errors },
        },
      },
      '/api/v1/campaigns/{id}': {
        get: {
          summary: 'One campaign with its totals',
          parameters: [idParam],
          responses: { '200': ok('the campaign', campaignWithTotalsSchema), ...errors },
        },
      },
      '/api/v1/campaigns/{id}/close': {
        post: {
          summary: 'Close a campaign that has no open position',
          parameters: [idParam, ifMatch],
          responses: { '200': ok('the closed campaign', campaignSchema), ...errors },
        },
      },
      '/api/v1/campaigns/{id}/positions': {
        get: {
          summary: "A campaign's positions and totals",
          parameters: [idParam, { name: 'include_closed', in: 'query', schema: { type: 'boolean', default: true } }],
          responses: { '200': ok('positions and totals', campaignPositionsSchema), ...errors },
        },
        post: {
          summary: 'Open a position in a campaign',
          parameters: [idParam, ifMatch],
          requestBody: { required: true, content: json(createPositionBody, 'input') },
          responses: { '201': ok('the position', positionSchema), ...errors },
        },
      },
      '/api/v1/positions/{id}': {
        patch: {
          summary: 'Move the stop of an open position',
          parameters: [idParam, ifMatch],
          requestBody: { required: true, content: json(moveStopBody, 'input') },
          responses: { '200': ok('the position', positionSchema), ...errors },
        },
      },
      '/api/v1/positions/{id}/close': {
        post: {
          summary: 'Close a position',
          parameters: [idParam, ifMatch],
          requestBody: { required: true, content: json(closePositionBody, 'input') },
          responses: { '200': ok('the closed position', positionSchema), ...errors },
        },
      },
      '/api/v1/ws': {
        get: {
          summary: 'Live campaign updates over a WebSocket (JSON text frames: subscribe, unsubscribe, ping)',
          responses: { '101': { description: 'switched to the WebSocket protocol' }, '400': errors['400'] },
        },
      },
      '/health/live': {
        get: { summary: 'The process answers', responses: { '200': { description: 'alive' } } },
      },
      '/health/ready': {
        get: {
          summary: 'Ready only while PostgreSQL and Kafka answer',
          responses: { '200': { description: 'ready' }, '503': errors['503'] },
        },
      },
    },
  };
}

/** `GET /openapi.json` and the browsable `GET /docs`. */
export const openApiRoutes: FastifyPluginAsync = async (app) => {
  const document = openApiDocument();
  app.get('/openapi.json', async () => document);
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
};
