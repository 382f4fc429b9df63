import { type Logger, REQUEST_ID_HEADER, requestIdFrom } from '@cpt/platform';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { registerErrorHandling } from './errors.js';
import { registerJsonParser } from './json-parser.js';

export interface ServerOptions {
  log: Logger;
  bodyLimit: number;
  /** Turns adapter errors into domain errors before they are answered. */
  classifyError?: (err: unknown) => unknown;
}

/**
 * A fastify instance with the contract's plumbing: `x-request-id` taken from the caller or made
 * and echoed on every response and log line, lossless JSON bodies, and the contract's error bodies.
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    // Requests are logged once, by the onResponse hook below, with the request id as `requestId`.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    const fields = { method: req.method, url: req.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) req.log.error(fields, 'request failed');
    else req.log.info(fields, 'request completed');
  });
  registerJsonParser(app);
  registerErrorHandling(app, opts.classifyError);
  return app;
}
