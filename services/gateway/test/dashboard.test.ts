import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cpt/platform';
import { expectWireError, rawHttp } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, get, type Res } from './api.js';
import { type Gateway, startGateway } from './support.js';

/** No `Authorization` header: what a browser sends when it first opens the dashboard. */
const NO_KEY = { authorization: '' };

const PAGE = '<!doctype html><html><head><script type="module" src="/assets/main-TEST1234.js"></script></head><body></body></html>\n';
const SCRIPT = 'document.title = "dashboard";\n';
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><title>c</title></svg>\n';

/** A build of the dashboard as `npm run build -w @cpt/dashboard` lays it out. */
function fixture(root: string): string {
  const dir = join(root, 'dist');
  mkdirSync(join(dir, 'assets', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), PAGE);
  writeFileSync(join(dir, 'assets', 'main-TEST1234.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'favicon.svg'), FAVICON);
  writeFileSync(join(dir, 'assets', '.hidden'), 'not to be served');
  writeFileSync(join(dir, 'assets', 'nested', 'inner.js'), 'not to be served either');
  // Beside the build, where a path that climbs out of assets/ would land.
  writeFileSync(join(root, 'package.json'), '{"name": "secret"}');
  return dir;
}

/** The content policy of every answer: scripts of this origin only, never in a frame. */
function expectContentPolicy(res: Res) {
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-eval');
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
}

describe('dashboard (a build on disk)', () => {
  let root: string;
  let gw: Gateway;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cpt-dashboard-'));
    gw = await startGateway({ dashboardDir: fixture(root) });
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });
  let port: number | undefined;
  /** The gateway listening on a loopback port, for requests written byte for byte. */
  const listening = async (): Promise<number> => {
    if (port === undefined) {
      await gw.app.listen({ host: '127.0.0.1', port: 0 });
      port = (gw.app.server.address() as AddressInfo).port;
    }
    return port;
  };

  it('answers GET / with the page, without a key, under the content policy, revalidated on every visit', async () => {
    const res = await get(gw.app, '/', NO_KEY);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toBe(PAGE);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-request-id']).toBeDefined();
    expectContentPolicy(res);
  });

  it('answers a revalidation of an unchanged page 304', async () => {
    const first = await get(gw.app, '/', NO_KEY);
    const again = await get(gw.app, '/', { ...NO_KEY, 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.headers['cache-control']).toBe('no-cache');
  });

  it('answers HEAD / like GET /, without a body', async () => {
    const res = await gw.app.inject({ method: 'HEAD', url: '/', headers: NO_KEY });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe('');
  });

  it('answers a hashed asset, without a key, for browsers to keep for good', async () => {
    const res = await get(gw.app, '/assets/main-TEST1234.js', NO_KEY);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toBe(SCRIPT);
    expectContentPolicy(res);
  });

  it('answers the favicon, whose name has no hash, with a shorter lifetime', async () => {
    const res = await get(gw.app, '/assets/favicon.svg', NO_KEY);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).not.toContain('immutable');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
  });

  it('answers an unknown asset 404 not_found, with no lasting cache header', async () => {
    const res = await get(gw.app, '/assets/nope.js', NO_KEY);
    expectError(res, 404, 'not_found');
    expect(res.headers['cache-control']).toBeUndefined();
    expectContentPolicy(res);
  });

  it.each([
    '/assets/..%2Fpackage.json',
    '/assets/..%2F..%2Fpackage.json',
    '/assets/..%5Cindex.html',
    '/assets/nested/inner.js',
    '/assets/nested',
    '/assets/nested/',
    '/assets/.hidden',
    '/assets/',
    '/assets',
    '/assets/%2Fetc%2Fpasswd',
    '/assets/.%2Fmain-TEST1234.js',
  ])('answers %s 404 not_found: nothing outside the files of assets/, no listing', async (url) => {
    const res = await get(gw.app, url, NO_KEY);
    expectError(res, 404, 'not_found');
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('inner.js');
  });

  // Sent byte for byte: an HTTP client (and app.inject) would resolve the dot segments before sending.
  it.each([
    '/assets/../index.html',
    '/assets/../../package.json',
    '/assets/%2e%2e/index.html',
    '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/assets/./main-TEST1234.js',
    '/assets//main-TEST1234.js',
  ])('answers %s, as sent on the wire, 404 not_found', async (path) => {
    const port = await listening();
    const res = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expectWireError(res, 404, 'not_found');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('leaves the dashboard out of the OpenAPI document', async () => {
    const res = await get(gw.app, '/openapi.json', NO_KEY);
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toContain('/api/v1/campaigns');
    expect(paths.filter((p) => p === '/' || p.startsWith('/assets'))).toEqual([]);
  });

  it('still asks a key of the API', async () => {
    expectError(await get(gw.app, '/api/v1/campaigns', NO_KEY), 401, 'unauthenticated');
    expect((await get(gw.app, '/api/v1/campaigns')).statusCode).toBe(200);
  });
});

describe('dashboard (not built)', () => {
  let root: string;
  let gw: Gateway;
  const warnings: string[] = [];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cpt-dashboard-'));
    // Only warnings and worse are kept, and none is printed.
    const log = createLogger('gateway-test', 'warn', {
      hooks: {
        logMethod(args) {
          warnings.push(args.filter((a) => typeof a === 'string').join(' '));
        },
      },
    });
    gw = await startGateway({ dashboardDir: join(root, 'dist'), log });
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts ready, warns once, and answers / 503 unavailable saying how to build it', async () => {
    expect((await get(gw.app, '/health/ready', NO_KEY)).statusCode).toBe(200);
    expect(warnings.filter((w) => w.includes('the dashboard is not built'))).toHaveLength(1);
    const res = await get(gw.app, '/', NO_KEY);
    expectError(res, 503, 'unavailable');
    expect(res.json().error.message).toBe('the dashboard is not built: npm run build');
    expect((await get(gw.app, '/assets/main-TEST1234.js', NO_KEY)).statusCode).toBe(404);
  });

  it('serves a build made after the start, without a restart', async () => {
    fixture(root);
    const res = await get(gw.app, '/', NO_KEY);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe(PAGE);
  });
});
