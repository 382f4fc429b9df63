import { maxHeaderSize } from 'node:http';
import { UnavailableError } from '@cpt/domain';
import { type Logger, REQUEST_ID_HEADER, requestIdFrom } from '@cpt/platform';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { redactUrl } from './auth.js';
import { answerClientError, answerFrameworkError, registerErrorHandling } from './errors.js';
import { isProbeRoute } from './health.js';
import { registerJsonParser } from './json-parser.js';
import { trackRouteMethods } from './route-methods.js';

export interface ServerOptions {
  log: Logger;
  bodyLimit: number;
  /** Turns adapter errors into domain errors before they are answered. */
  classifyError?: (err: unknown) => unknown;
}

/**
 * A fastify instance with the contract's plumbing: `x-request-id` taken from the caller or made
 * and echoed on every response and log line, lossless JSON bodies, and the contract's error
 * bodies for every failure, including those fastify and Node answer before any hook runs (a
 * malformed URL, a header section too large, a request during shutdown).
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    // Requests are logged once, by the onResponse hook below, with the request id as `requestId`.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Requests that arrive while closing are answered by the onRequest hook below, in the contract's shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: (err, socket) => answerClientError(err, socket, opts.log),
    routerOptions: {
      ignoreTrailingSlash: true,
      // No path segment can be longer than the header section Node accepts, so every path
      // parameter reaches its route's validation: a malformed id is 422, as the contract says.
      maxParamLength: maxHeaderSize,
    },
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    if (closing) {
      reply.header('connection', 'close');
      throw new UnavailableError('the service is shutting down');
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    // An upgrade refused with an HTTP answer (401, 403 before the switch) leaves a socket that no
    // HTTP connection tracking owns: close it, or it stays open, and keeps the server from closing.
    if (req.headers.upgrade !== undefined && reply.statusCode !== 101 && !req.raw.socket.destroyed) req.raw.socket.destroySoon();
    const fields = { method: req.method, url: redactUrl(req.url), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    // A probe's 503 is expected operation: the health routes log each change of readiness once.
    if (isProbeRoute(reply.routeOptions.config)) req.log.debug(fields, 'probe answered');
    else if (reply.statusCode >= 500) req.log.error(fields, 'request failed');
    else req.log.info(fields, 'request completed');
  });
  const allowedMethods = trackRouteMethods(app);
  registerJsonParser(app);
  registerErrorHandling(app, allowedMethods, opts.classifyError);
  return app;
}
