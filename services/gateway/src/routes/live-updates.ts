import { campaignUpdatedSchema, wsClientMessage, wsErrorSchema, wsResumedSchema, wsSnapshotSchema } from '@cpt/contracts';
import { UnavailableError } from '@cpt/domain';
import { declaredRoute, errorResponses, jsonSchemaOf, type RouteDeclaration } from '@cpt/http';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';

const upgradeHeaders = z.object({
  upgrade: z.literal('websocket').meta({ description: 'the WebSocket protocol' }),
  connection: z
    .string()
    .regex(/(^|[\s,])[Uu]pgrade([\s,]|$)/)
    .meta({ description: 'names `Upgrade`', example: 'Upgrade' }),
  'sec-websocket-key': z
    .string()
    .regex(/^[A-Za-z0-9+/]{22}==$/)
    .meta({ description: '16 random bytes, base64 (RFC 6455)', example: 'dGhlIHNhbXBsZSBub25jZQ==' }),
  'sec-websocket-version': z.literal('13'),
});

/** `GET /api/v1/ws`: a WebSocket upgrade, not a plain GET; the messages are section 3 of the contract. */
export const liveUpdates = {
  method: 'GET',
  url: '/api/v1/ws',
  access: 'campaigns:read',
  summary: 'Live campaign updates over a WebSocket',
  description:
    'A WebSocket upgrade (RFC 6455), not a plain GET. JSON text frames. The client sends `subscribe` (`campaign_ids`, ' +
    'optional `resume` of `{campaign_id: last_seq}`), `unsubscribe` and `ping`; the server answers each subscribed ' +
    'campaign with one `snapshot` or `resumed` (or an `error`), then `campaign_updated` messages with a `seq` that ' +
    'grows per campaign, and `pong` to `ping`. `x-websocket-messages` holds the schemas of the messages. The key goes ' +
    'in `Authorization: Bearer`, or, from a browser, in `?access_token=`; a connection whose key is revoked or ' +
    'expires is closed with 4401. A connection that holds too much unsent or waits for too many snapshots is closed ' +
    'with 4008.',
  tags: ['live updates'],
  request: {
    headers: upgradeHeaders,
    querystring: z.object({
      access_token: z.string().optional().meta({ description: 'the API key, for a browser, which cannot set headers on a WebSocket' }),
    }),
  },
  responses: {
    101: {
      description: 'switched to the WebSocket protocol',
      headers: {
        Upgrade: z.literal('websocket'),
        Connection: z.string().meta({ example: 'Upgrade' }),
        'Sec-WebSocket-Accept': z.string().meta({ description: 'the key’s proof (RFC 6455)' }),
      },
    },
    ...errorResponses(400, 503),
  },
  extensions: {
    'x-websocket-messages': {
      client: jsonSchemaOf(wsClientMessage, 'input'),
      server: {
        snapshot: jsonSchemaOf(wsSnapshotSchema, 'output'),
        campaign_updated: jsonSchemaOf(campaignUpdatedSchema, 'output'),
        resumed: jsonSchemaOf(wsResumedSchema, 'output'),
        error: jsonSchemaOf(wsErrorSchema, 'output'),
      },
    },
  },
} satisfies RouteDeclaration;

/**
 * `GET /api/v1/ws` of a gateway built without its realtime dependencies (some tests): the route
 * and its documentation exist, and it answers 503.
 */
export const unservedLiveUpdates: FastifyPluginAsync = async (app) => {
  app.route({
    ...declaredRoute(liveUpdates),
    handler: async () => {
      throw new UnavailableError('live updates are not served by this instance');
    },
  });
};
