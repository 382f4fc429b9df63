import { type ErrorStatus, errorBodies, requestIdRequestHeader, requestIdResponseHeader, riskLimitedErrorBody } from '@cpt/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Access } from './auth.js';
import { parseBody, parsePart } from './validate.js';

/** A response header: its value's schema (with its description in the schema's metadata). */
export type HeaderDoc = z.ZodType;

/** What a route answers with one status. */
export interface ResponseDoc {
  description: string;
  /** The JSON body; a response without one (101) leaves it out. */
  body?: z.ZodType;
  /** The headers it carries besides `x-request-id`, which every response carries. */
  headers?: Record<string, HeaderDoc>;
  /** OpenAPI links: operations (`PATCH /api/v1/positions/{id}`) that take a value of this response. */
  links?: Record<string, { operation: string; parameters: Record<string, string>; description?: string }>;
}

/** A request body for the docs page: an OpenAPI Example Object. */
export interface BodyExample {
  summary: string;
  description?: string;
  value: unknown;
}

/** The parts of a request a route declares. Each is a zod object; `headers` names lower-case headers. */
export interface RequestSchemas {
  params?: z.ZodType;
  querystring?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
}

/**
 * A route's declaration: the request parts it takes and what it answers, by status. The same
 * schemas validate the request and produce the OpenAPI document (`openApiDocs`).
 */
export interface RouteDeclaration<S extends RequestSchemas = RequestSchemas> {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  /**
   * Who may call it: a key with this scope, or anyone (`public`). Every route says so; a route
   * that needs a key is documented with 401, 403 and 429 besides its own statuses.
   */
  access: Access;
  summary: string;
  description?: string;
  tags?: string[];
  request?: S;
  /**
   * True when the handler validates the body itself (a bulk body with a fast path, say): the
   * declared body schema then documents it, and the handler receives the parsed JSON as it came.
   */
  bodyValidatedByHandler?: boolean;
  responses: Partial<Record<number, ResponseDoc>>;
  /**
   * Bodies the operation accepts, by name, shown on the docs page (the first fills its "Try it
   * out"). Each passes the body's schema, which is checked when the route is declared; the services'
   * tests post every one of them and expect success, so they must also pass the rules beyond the
   * schema (a LONG stop below the entry, say).
   */
  examples?: Record<string, BodyExample>;
  /** OpenAPI extension fields (`x-…`) of the operation. */
  extensions?: Record<`x-${string}`, unknown>;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/** What a handler receives: each declared part, parsed. */
export interface RouteInput<S extends RequestSchemas> {
  params: Parsed<S['params']>;
  query: Parsed<S['querystring']>;
  headers: Parsed<S['headers']>;
  body: Parsed<S['body']>;
}

/** Marks a route schema as a declaration, for the document's transform. */
export const DECLARATION = Symbol.for('cpt.route-declaration');

/** A fastify route schema that carries a declaration. */
export interface DeclaredSchema {
  [DECLARATION]: RouteDeclaration;
  hide?: boolean;
}

// Fastify compiles route schemas for validation and serialization; these are zod schemas that
// the handler wrapper applies itself (so validation answers keep the contract's shape), and
// replies are serialized as plain JSON, as they are without a schema.
const noValidation = () => () => true;
const plainJson = () => (data: unknown) => JSON.stringify(data);

/**
 * The route options of a declaration: method, url, the schema the document is built from, and
 * compilers that leave validation to the handler. Spread them into `app.route()` with a handler.
 */
export function declaredRoute(declaration: RouteDeclaration) {
  for (const [name, example] of Object.entries(declaration.examples ?? {})) {
    const body = declaration.request?.body;
    const r = body?.safeParse(example.value);
    if (!r?.success) {
      throw new Error(
        `${declaration.method} ${declaration.url}: example ${name} ${body ? `breaks the body's schema: ${r?.error.message}` : 'documents a body the route does not take'}`,
      );
    }
  }
  const schema: DeclaredSchema = { [DECLARATION]: declaration };
  return {
    method: declaration.method,
    url: declaration.url,
    config: { access: declaration.access },
    schema: schema as unknown as Record<string, unknown>,
    validatorCompiler: noValidation,
    serializerCompiler: plainJson,
  };
}

// The body of a command that defines no fields: none, or an empty object (section 1: any field
// it names is one the endpoint does not define).
const NO_FIELDS = z.strictObject({});

function bodyOf(schema: z.ZodType | undefined, byHandler: boolean, raw: unknown): unknown {
  if (!schema) {
    if (raw !== undefined) parsePart(NO_FIELDS, raw);
    return undefined;
  }
  return byHandler ? raw : parseBody(schema, raw);
}

/**
 * Adds a declared route. Its parts are parsed in a fixed order (path, body, query, headers) and
 * the first part that breaks its schema is answered 422 `validation_failed` naming its fields; a
 * declared body that is missing altogether is 400. A route that declares no body still refuses
 * one that names fields (`{}` and no body at all are accepted).
 */
export function addRoute<S extends RequestSchemas>(
  app: FastifyInstance,
  declaration: RouteDeclaration<S>,
  handler: (input: RouteInput<S>, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  const { params, querystring, headers, body } = declaration.request ?? ({} as S);
  app.route({
    ...declaredRoute(declaration as RouteDeclaration),
    handler: async (req, reply) => {
      const input = {
        params: params ? parsePart(params, req.params) : undefined,
        body: bodyOf(body, declaration.bodyValidatedByHandler === true, req.body),
        query: querystring ? parsePart(querystring, req.query) : undefined,
        headers: headers ? parsePart(headers, req.headers) : undefined,
      } as RouteInput<S>;
      return handler(input, req, reply);
    },
  });
}

/** When each error status is answered (contract section 1); a route lists the ones that apply to it. */
const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: '`bad_request`: the body is not valid JSON, or not `application/json`',
  401: '`unauthenticated`: no API key, or a malformed, unknown, expired or revoked one (with `WWW-Authenticate: Bearer`)',
  403: '`forbidden`: the key lacks the scope this operation needs',
  429: '`rate_limited`: the key is past its request rate; `Retry-After` says how many seconds to wait',
  404: '`not_found`: the resource does not exist',
  409: '`version_conflict` (`If-Match` names another version; `details.current_version`) or `conflict` (impossible in the current state)',
  413: '`payload_too_large`: the request is over the documented limits',
  422: '`validation_failed`: valid JSON that breaks a rule; `details` names each field',
  500: '`internal`: an unexpected failure; the message reveals nothing internal',
  503: '`unavailable`: PostgreSQL or Kafka cannot be reached; nothing was changed',
};

/**
 * The error responses of a route, by status, each with the contract's error body. A route that
 * gains a status (401 when keys arrive, say) adds it to its list.
 */
export function errorResponses(...statuses: ErrorStatus[]): Partial<Record<ErrorStatus, ResponseDoc>> {
  return Object.fromEntries(statuses.map((s) => [s, { description: ERROR_DESCRIPTIONS[s], body: errorBodies[s] }]));
}

/** The 422 response of a route whose rules go beyond what its schemas can say: its description lists them. */
export function validationRules(...rules: string[]): Partial<Record<ErrorStatus, ResponseDoc>> {
  return { 422: { description: `${ERROR_DESCRIPTIONS[422]}. Beyond the schema: ${rules.join('; ')}`, body: errorBodies[422] } };
}

/**
 * The 422 response of a command that may raise the account's exposure: its rules as
 * {@link validationRules} lists them, or `risk_limit_exceeded` with the limits it would break.
 */
export function riskLimitedRules(...rules: string[]): Partial<Record<ErrorStatus, ResponseDoc>> {
  return {
    422: {
      description:
        `${ERROR_DESCRIPTIONS[422]}. Beyond the schema: ${rules.join('; ')}. ` +
        'Or `risk_limit_exceeded`: the command would raise a campaign’s exposure or the account’s heat past its limit; ' +
        '`details` lists each limit with its `max` and the amount it `would_be`',
      body: riskLimitedErrorBody,
    },
  };
}

/** Headers every operation may take and every response carries. */
export const commonHeaders = {
  request: { 'x-request-id': requestIdRequestHeader },
  response: { 'x-request-id': requestIdResponseHeader },
} as const;
