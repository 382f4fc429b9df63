import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { commonHeaders, DECLARATION, type DeclaredSchema, errorResponses, type ResponseDoc, type RouteDeclaration } from './route.js';

type Json = Record<string, unknown>;

/** A zod schema as OpenAPI 3.0 JSON Schema: what a client sends (`input`) or receives (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' }) as Json;
  return rest;
}

/** An object schema of parameters (path, query, headers) with the common ones added. */
function parametersOf(schema: z.ZodType | undefined, extra: Record<string, z.ZodType> = {}): Json | undefined {
  if (!schema && Object.keys(extra).length === 0) return undefined;
  const own = schema ? jsonSchemaOf(schema, 'input') : { type: 'object', properties: {} };
  const properties = {
    ...(own.properties as Json),
    ...Object.fromEntries(Object.entries(extra).map(([k, s]) => [k, jsonSchemaOf(s, 'input')])),
  };
  return { ...own, properties };
}

function responseOf(doc: ResponseDoc): Json {
  const headers = { ...doc.headers, ...commonHeaders.response };
  return {
    description: doc.description,
    // Every header a route declares is sent with every such response.
    headers: Object.fromEntries(Object.entries(headers).map(([name, s]) => [name, { ...jsonSchemaOf(s, 'output'), 'x-required': true }])),
    // Links ride in the body's schema as `x-links`, to be moved beside it by completeResponses.
    ...(doc.body
      ? {
          content: {
            'application/json': { schema: { ...jsonSchemaOf(doc.body, 'output'), ...(doc.links ? { 'x-links': doc.links } : {}) } },
          },
        }
      : { type: 'null' }),
  };
}

/** What every route that needs a key may also answer, with the headers those answers carry. */
function accessResponses(): Partial<Record<number, ResponseDoc>> {
  const r = errorResponses(401, 403, 429);
  return {
    401: { ...(r[401] as ResponseDoc), headers: { 'WWW-Authenticate': z.literal('Bearer').meta({ description: 'the scheme to use' }) } },
    403: r[403] as ResponseDoc,
    429: { ...(r[429] as ResponseDoc), headers: { 'Retry-After': z.string().regex(/^\d+$/).meta({ description: 'seconds to wait' }) } },
  };
}

/** The fastify schema @fastify/swagger reads, from a route's declaration. */
function swaggerSchemaOf(d: RouteDeclaration): Json {
  const r = d.request ?? {};
  const responses = d.access === 'public' ? d.responses : { ...accessResponses(), ...d.responses };
  return {
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    ...(d.tags ? { tags: d.tags } : {}),
    ...(r.params ? { params: parametersOf(r.params) } : {}),
    ...(r.querystring ? { querystring: parametersOf(r.querystring) } : {}),
    headers: parametersOf(r.headers, commonHeaders.request),
    // @fastify/swagger moves `x-examples` beside the body's schema, as the media type's `examples`.
    ...(r.body ? { body: { ...jsonSchemaOf(r.body, 'input'), ...(d.examples ? { 'x-examples': d.examples } : {}) } } : {}),
    response: Object.fromEntries(Object.entries(responses).map(([status, doc]) => [status, responseOf(doc as ResponseDoc)])),
    ...(d.access === 'public' ? {} : { security: [{ apiKey: [] }], 'x-scope': d.access }),
    ...d.extensions,
  };
}

// `PATCH /api/v1/positions/{id}` as an OpenAPI operationRef.
const operationRef = (operation: string): string => {
  const [method = '', path = ''] = operation.split(' ');
  return `#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}`;
};

/**
 * What @fastify/swagger does not write: `required` beside a response header's schema, and the
 * links of a response (carried as `x-links` through its schema).
 */
function completeResponses(document: Json): Json {
  for (const item of Object.values((document.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const op of Object.values(item)) {
      for (const res of Object.values((op.responses ?? {}) as Record<string, Json>)) {
        const media = (res.content as Record<string, { schema: Json }> | undefined)?.['application/json'];
        const links = media?.schema['x-links'] as ResponseDoc['links'];
        if (media && links) {
          delete media.schema['x-links'];
          res.links = Object.fromEntries(
            Object.entries(links).map(([name, l]) => [
              name,
              { operationRef: operationRef(l.operation), parameters: l.parameters, description: l.description },
            ]),
          );
        }
        for (const header of Object.values((res.headers ?? {}) as Record<string, { schema: Json; required?: boolean }>)) {
          if (header.schema['x-required']) {
            delete header.schema['x-required'];
            header.required = true;
          }
        }
      }
    }
  }
  return document;
}

export interface OpenApiOptions {
  /** The document's title, and the docs page's. */
  title: string;
  /** The introduction at the top of the page (CommonMark). */
  description: string;
  version: string;
  /** The groups of operations (`tags` of their declarations), in the order the page lists them, each introduced. */
  tags?: { name: string; description: string }[];
}

/**
 * `GET /openapi.json` and the browsable `GET /docs`: an OpenAPI 3 document generated from the
 * declarations of the routes registered after this plugin (`addRoute`, `declaredRoute`). A route
 * without a declaration is left out. Register it first, on the root instance.
 */
const plugin: FastifyPluginAsync<OpenApiOptions> = async (app, opts) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: opts.title, description: opts.description, version: opts.version },
      ...(opts.tags ? { tags: opts.tags } : {}),
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key (`cpt_…`) as `Authorization: Bearer <key>`; the operation says which scope (`x-scope`) it needs.',
          },
        },
      },
    },
    transform: ({ schema, url }) => {
      const declaration = (schema as DeclaredSchema | undefined)?.[DECLARATION];
      if (!declaration) return { schema: { hide: true } as never, url };
      return { schema: swaggerSchemaOf(declaration) as never, url };
    },
    transformObject: (documentObject) => completeResponses((documentObject as { openapiObject: Json }).openapiObject) as never,
  });
  // The document and its page answer without a key (section 7). The page's routes are marked in a
  // context of their own, so that the hook does not reach the application's routes.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    // The page's own policy: its scripts and styles from itself only. Without the library's
    // `upgrade-insecure-requests`, which would break the page on a plain-HTTP address (TLS ends at
    // the ingress, see the README).
    await docs.register(swaggerUi, {
      routePrefix: '/docs',
      theme: { title: opts.title },
      staticCSP:
        "default-src 'self'; base-uri 'self'; font-src 'self' data:; frame-ancestors 'none'; img-src 'self' data:; " +
        "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'; connect-src 'self'",
    });
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => app.swagger());
};

// Like fastify-plugin: the document must see the routes of the app that registers this.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const openApiDocs = plugin;
