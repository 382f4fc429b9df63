import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, type Page, screenshot, watchPage } from '../src/index.js';

// The dashboard's policy: no inline script, nothing from elsewhere.
const CSP = "default-src 'self'; script-src 'self'";

/** Each page runs /ready.js last, which marks the body: the page has run its scripts. */
const PAGES: Record<string, string> = {
  '/inline': '<script>document.title = "inline script ran"</script>',
  '/clean': '<p>nothing wrong here</p>',
  '/broken': '<script src="/broken.js"></script>',
};
const SCRIPTS: Record<string, string> = {
  '/ready.js': 'document.body.dataset.ready = "yes";',
  '/broken.js':
    'console.error("the app is broken"); fetch("/expected-404"); fetch("/unexpected-404"); setTimeout(() => { throw new Error("uncaught"); });',
};

function serve(): Server {
  return createServer((req, res) => {
    const page = PAGES[req.url ?? ''];
    const script = SCRIPTS[req.url ?? ''];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': CSP });
      res.end(`<!doctype html><html><head><title>untouched</title></head><body>${page}<script src="/ready.js"></script></body></html>`);
    } else if (script !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
    } else {
      res.writeHead(404).end();
    }
  });
}

describe('browser harness (libs/testkit/src/browser.ts)', () => {
  let server: Server;
  let origin: string;
  let browser: Browser;

  beforeAll(async () => {
    server = serve();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server?.close(done));
  });

  async function open(path: string, viewport = { width: 1024, height: 768 }): Promise<{ page: Page; problems: () => string[] }> {
    const page = await browser.newPage({ viewport });
    const watch = await watchPage(page, { expectedFailure: (f) => f.url.endsWith('/expected-404') });
    await page.goto(`${origin}${path}`);
    await page.locator('body[data-ready="yes"]').waitFor({ state: 'attached', timeout: 10_000 });
    return { page, problems: () => watch.problems() };
  }

  it('reports an inline script that the CSP blocks, and the script does not run', async () => {
    const { page, problems } = await open('/inline');
    await expect
      .poll(problems, { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^csp violation: script-src-elem: blocked inline at /)]);
    expect(await page.title()).toBe('untouched');
    await page.close();
  });

  it('reports nothing on a page without problems', async () => {
    const { page, problems } = await open('/clean');
    await expect(page.locator('p').textContent()).resolves.toBe('nothing wrong here');
    expect(problems()).toEqual([]);
    await page.close();
  });

  it('reports console errors, uncaught errors and unexpected failed requests, not the expected ones', async () => {
    const { page, problems } = await open('/broken');
    await expect
      .poll(() => problems().sort(), { timeout: 10_000 })
      .toEqual([
        expect.stringMatching(/^console error: the app is broken \(.*\/broken\.js:\d+\)$/),
        'page error: uncaught',
        `request failed: GET ${origin}/unexpected-404 (404)`,
      ]);
    await page.close();
  });

  it('writes a screenshot named after the viewport size', async () => {
    const { page } = await open('/clean', { width: 800, height: 600 });
    const path = await screenshot(page, 'testkit-harness');
    expect(path).toMatch(/\/\.run\/screenshots\/testkit-harness-800x600\.png$/);
    expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });
});
