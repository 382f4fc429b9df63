import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorBody, fieldIssues } from '@cpt/contracts';
import {
  BadRequestError,
  type DomainError,
  type ErrorCode,
  HeaderTooLargeError,
  InternalError,
  isDomainError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RateLimitedError,
  RequestTimeoutError,
  RouteNotFoundError,
  UnauthenticatedError,
  ValidationError,
} from '@cpt/domain';
import { type Logger, REQUEST_ID_HEADER, requestIdFrom } from '@cpt/platform';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

/** The HTTP status of each contract code. */
export const STATUS: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  version_conflict: 409,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  risk_limit_exceeded: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** The status of one error: its code's, except for the transport errors HTTP has a status of its own for. */
export function statusOf(e: DomainError): number {
  if (e instanceof MethodNotAllowedError) return 405;
  if (e instanceof RequestTimeoutError) return 408;
  if (e instanceof HeaderTooLargeError) return 431;
  return STATUS[e.code];
}

/** What an error is answered with, whatever carries it (a fastify reply, a bare socket). */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

/** The contract's answer to one error: status, the headers its status calls for, and the body. */
export function errorAnswer(e: DomainError): ErrorAnswer {
  const headers: Record<string, string> = {};
  if (e instanceof MethodNotAllowedError) headers.allow = e.allow.join(', ');
  if (e instanceof UnauthenticatedError) headers['www-authenticate'] = 'Bearer';
  if (e instanceof RateLimitedError) headers['retry-after'] = String(e.retryAfterSeconds);
  const { code, message, details } = e;
  return { status: statusOf(e), headers, body: { error: details === undefined ? { code, message } : { code, message, details } } };
}

/** Errors fastify raises itself, by their `code`; their messages can echo the request, so none is passed on. */
function fromFramework(err: unknown): DomainError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BadRequestError('unsupported content type: send application/json', { cause: err });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BadRequestError('the body does not match its Content-Length', { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new BadRequestError('body is not valid JSON', { cause: err });
    case 'FST_ERR_BAD_URL':
      return new BadRequestError('the URL is not valid: it holds a malformed percent-encoding', { cause: err });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new BadRequestError('a path segment is too long', { cause: err });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError();
  }
  if (typeof statusCode !== 'number') return undefined;
  if (statusCode === 413) return new PayloadTooLargeError();
  if (statusCode === 404) return new RouteNotFoundError();
  if (statusCode >= 400 && statusCode < 500) return new BadRequestError('the request is not valid HTTP for this endpoint', { cause: err });
  return undefined;
}

/**
 * Any thrown value as an error of the hierarchy: domain errors as they are, zod's as
 * `validation_failed`, fastify's by their code, anything else as `internal`.
 */
export function toDomainError(raw: unknown): DomainError {
  if (isDomainError(raw)) return raw;
  if (raw instanceof ZodError) return new ValidationError(fieldIssues(raw));
  return fromFramework(raw) ?? new InternalError(raw);
}

/** Logs what a client is not told: the cause of a 5xx. 4xx answers are logged with the request. */
function logFailure(log: FastifyBaseLogger | Logger, e: DomainError, raw: unknown): void {
  if (e.code === 'unavailable' && e.cause !== undefined) log.warn({ err: raw }, 'dependency unavailable');
  else if (e.code === 'internal') log.error({ err: e.cause ?? raw }, 'request failed');
}

function send(reply: FastifyReply, e: DomainError): FastifyReply {
  const r = errorAnswer(e);
  return reply.code(r.status).headers(r.headers).type('application/json; charset=utf-8').send(r.body);
}

/** Answers a route or hook failure: the one place where an error becomes a response. */
function answer(classify: (err: unknown) => unknown) {
  return (raw: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const e = toDomainError(classify(raw));
    logFailure(req.log, e, raw);
    return send(reply, e);
  };
}

/**
 * One error handler: every failure a route, hook or parser throws becomes the contract's JSON,
 * and 5xx messages reveal nothing internal. `classify` turns adapter errors (a database outage,
 * say) into domain errors first. A path that exists with other methods is 405 with `Allow`; any
 * other unknown path is 404.
 */
export function registerErrorHandling(
  app: FastifyInstance,
  allowedMethods: (url: string) => readonly string[],
  classify: (err: unknown) => unknown = (e) => e,
): void {
  app.setErrorHandler(answer(classify));
  app.setNotFoundHandler(async (req) => {
    const allow = allowedMethods(req.url);
    throw allow.length > 0 && !allow.includes(req.method)
      ? new MethodNotAllowedError(req.method, allow)
      : new RouteNotFoundError(req.method);
  });
}

/**
 * fastify's `frameworkErrors`: a URL the router cannot decode (`/%ff`), answered before any hook
 * has run, so the request id is set here.
 */
export function answerFrameworkError(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, req.id);
  const e = toDomainError(err);
  logFailure(req.log, e, err);
  req.log.info({ method: req.method, statusCode: statusOf(e), reason: (err as { code?: unknown }).code }, 'request refused');
  send(reply, e);
}

/** The error of a request Node's parser refused (`clientError`), by Node's code. */
function fromClientError(code: string | undefined): DomainError {
  if (code === 'HPE_HEADER_OVERFLOW') return new HeaderTooLargeError();
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new RequestTimeoutError();
  return new BadRequestError('the request is not valid HTTP');
}

/**
 * fastify's `clientErrorHandler`: Node refused the request before it became one (a header
 * section past `maxHeaderSize`, a malformed request line), so there is no reply object and the
 * contract's answer is written on the socket. The caller's request id cannot be read from a
 * request that did not parse, so the answer carries a new one, which the log line names too.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex, log: Logger | FastifyBaseLogger): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e = fromClientError(err.code);
  const r = errorAnswer(e);
  const requestId = requestIdFrom(undefined);
  log.info({ requestId, statusCode: r.status, reason: err.code }, 'malformed request refused');
  // As Node does: answer only when no response of an earlier request on this connection is under way.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(r.body);
  const head = [
    `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`),
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
}
