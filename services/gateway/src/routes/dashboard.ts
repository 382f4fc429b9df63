import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RouteNotFoundError, UnavailableError } from '@cpt/domain';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifySchema, RouteShorthandOptions } from 'fastify';

export interface DashboardOptions {
  /** The dashboard's build: index.html and assets/ (an absolute path). */
  dir: string;
}

const NOT_BUILT = 'the dashboard is not built: npm run build';

/** The build names every asset after its content, so a browser may keep it for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page names the assets of the current build: a browser asks again each time. */
const REVALIDATE = 'no-cache';
/** The favicon's name carries no hash. */
const FAVICON = 'public, max-age=86400';

/**
 * An asset's name as the build writes it: one file of assets/, no dot first. Anything else (a
 * sub-path, `..`, a dot file) is not looked up at all.
 */
const ASSET_NAME = /^[\w-][\w.-]*$/;

/**
 * The dashboard's static files answer without a key (section 7) and are no part of the API's
 * document (`hide` is @fastify/swagger's flag; its type lives with the document, in @cpt/http).
 */
const PUBLIC: RouteShorthandOptions = { schema: { hide: true } as FastifySchema, config: { access: 'public' } };

/**
 * The web dashboard (contract section 10): `GET /` answers the page, `GET /assets/<name>` the files
 * its build wrote. Only these two routes read the folder: no directory listing, no index lookup, no
 * path outside `assets/`; an unknown asset is the contract's 404. Helmet's content policy of the
 * edge applies to these answers as to any other (scripts from this origin only, no inline script).
 */
export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, opts) => {
  const page = join(opts.dir, 'index.html');
  const assets = join(opts.dir, 'assets');
  if (!existsSync(page)) app.log.warn({ dashboardDir: opts.dir }, `${NOT_BUILT}; / answers 503 until it is`);

  await app.register(fastifyStatic, {
    serve: false,
    index: false,
    dotfiles: 'ignore',
    // Set below, only on a file that is sent: an error answer must not be kept for a year.
    cacheControl: false,
    setHeaders: (reply, path) => {
      const cache = dirname(path) !== assets ? REVALIDATE : basename(path) === 'favicon.svg' ? FAVICON : IMMUTABLE;
      reply.header('cache-control', cache);
    },
  });

  app.get('/', PUBLIC, async (_req, reply) => {
    // Looked at on every request, so that a build made after the start is served without a restart.
    await access(page).catch(() => {
      throw new UnavailableError(NOT_BUILT);
    });
    return reply.sendFile('index.html', opts.dir);
  });

  // The folder itself is no file: not found, rather than a request for a key.
  app.get('/assets', PUBLIC, async (req) => {
    throw new RouteNotFoundError(req.method);
  });

  app.get('/assets/*', PUBLIC, async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    if (!ASSET_NAME.test(name)) throw new RouteNotFoundError(req.method);
    // A name that is no file of assets/ goes to the 404 handler: the same answer.
    return reply.sendFile(name, assets);
  });
};
