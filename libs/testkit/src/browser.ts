import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { type Browser, chromium, type LaunchOptions, type Page } from 'playwright-core';
import { repoRoot } from './infra.js';

// The browser tests' packages import these types from here, so that only the test kit depends on playwright-core.
export type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

const INSTALL_HINT =
  'deploy/local/chromium.sh installs the chromium package and prints its path (make test runs it and sets CHROMIUM_PATH)';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, name))) return resolve(dir, name);
  }
  return undefined;
}

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH` (a path, or a command on PATH), else
 * `chromium` on PATH. Never a browser that playwright downloads. Throws, naming
 * deploy/local/chromium.sh, when there is none.
 */
export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    const found = configured.includes('/') ? (isExecutableFile(configured) ? resolve(configured) : undefined) : onPath(configured);
    if (found) return found;
    throw new Error(`CHROMIUM_PATH=${configured} is not an executable file: unset it or point it at a Chromium; ${INSTALL_HINT}`);
  }
  const found = onPath('chromium');
  if (found) return found;
  throw new Error(`no Chromium: CHROMIUM_PATH is not set and there is no chromium on PATH; ${INSTALL_HINT}`);
}

/**
 * Flags that keep Chromium light on a small machine (two cores, tests running beside it): no GPU
 * work, and shared memory in /tmp rather than in a /dev/shm that containers keep small.
 */
const LIGHT_FLAGS = ['--disable-gpu', '--disable-dev-shm-usage'];

/**
 * Launches a headless Chromium (see {@link chromiumPath}). `options` are playwright's; their
 * `args` come after the harness's flags. Close the browser in an `afterAll`.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = chromiumPath();
  // Chromium's sandbox refuses to run as root (as CI containers often do). Playwright passes the
  // flag already unless `chromiumSandbox: true`; it is said here so that a change of that default
  // cannot break a root run.
  const root = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  try {
    return await chromium.launch({ headless: true, ...options, executablePath, args: [...LIGHT_FLAGS, ...root, ...(options.args ?? [])] });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`Chromium (${executablePath}) did not start; deploy/local/chromium.sh checks it: ${why}`, { cause: err });
  }
}

/** A request that failed: no answer (`error`), or an answer of status 400 or more (`status`). */
export interface RequestFailure {
  method: string;
  url: string;
  status?: number;
  /** Chromium's reason, e.g. `net::ERR_CONNECTION_REFUSED`. */
  error?: string;
}

export interface WatchOptions {
  /** Whether a failed request is one the test expects (it is then not a problem). */
  expectedFailure?: (failure: RequestFailure) => boolean;
}

export interface PageWatch {
  /** What went wrong in the page so far, one line each; a test expects none. */
  problems(): string[];
}

const CSP_MARK = 'csp-violation';

// Runs in every document before its own scripts (playwright injects it past the page's CSP).
const REPORT_CSP_VIOLATIONS = `document.addEventListener('securitypolicyviolation', (e) => {
  console.error('${CSP_MARK} ' + e.effectiveDirective + (e.disposition === 'report' ? ' (report only)' : '')
    + ': blocked ' + (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || document.URL) + ':' + e.lineNumber);
}, true);`;

/** Chromium's own console lines about a CSP violation: the listener above reports each one. */
const BROWSER_CSP_MESSAGE = /violates the (following|document's) Content Security Policy/;
/** Chromium's own console line about a failed request, which the request listeners report. */
const BROWSER_LOAD_FAILURE = /^Failed to load resource: (?:the server responded with a status of (\d+))?(.*)$/;

/**
 * Watches `page` for what a user would call broken: console errors, uncaught errors, crashes,
 * failed requests (unless `options.expectedFailure` expects them) and Content-Security-Policy
 * violations (`csp violation: <directive>: blocked <what> at <where>`). Call it before the first
 * `goto`. Requests that the page or a navigation cancels (`net::ERR_ABORTED`) are not failures.
 */
export async function watchPage(page: Page, options: WatchOptions = {}): Promise<PageWatch> {
  const problems: string[] = [];
  const requested = new Set<string>();
  const failed = (failure: RequestFailure): void => {
    if (options.expectedFailure?.(failure)) return;
    problems.push(`request failed: ${failure.method} ${failure.url} (${failure.status ?? failure.error})`);
  };

  await page.addInitScript({ content: REPORT_CSP_VIOLATIONS });
  page.on('console', (message) => {
    if (message.type() !== 'error' && message.type() !== 'assert') return;
    const text = message.text();
    if (text.startsWith(`${CSP_MARK} `)) {
      problems.push(`csp violation: ${text.slice(CSP_MARK.length + 1)}`);
      return;
    }
    if (BROWSER_CSP_MESSAGE.test(text)) return;
    const { url, lineNumber } = message.location();
    const loadFailure = BROWSER_LOAD_FAILURE.exec(text);
    if (loadFailure) {
      // Only the browser's own requests (the favicon) reach the console and not the listeners.
      if (!requested.has(url))
        failed({ method: 'GET', url, ...(loadFailure[1] ? { status: Number(loadFailure[1]) } : { error: loadFailure[2] }) });
      return;
    }
    problems.push(`console ${message.type()}: ${text}${url ? ` (${url}:${lineNumber})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('crash', () => problems.push('page crashed'));
  page.on('request', (request) => requested.add(request.url()));
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? 'no answer';
    // Cancelled by the page or a navigation; blocked by the CSP (reported as a violation).
    if (error === 'net::ERR_ABORTED' || error === 'csp') return;
    failed({ method: request.method(), url: request.url(), error });
  });
  page.on('response', (response) => {
    if (response.status() >= 400) failed({ method: response.request().method(), url: response.url(), status: response.status() });
  });
  return { problems: () => [...problems] };
}

/**
 * Saves what `page` shows to `<repo>/.run/screenshots/<name>-<width>x<height>.png` (the viewport's
 * size; the whole page with `fullPage`) and returns that path.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-' only`);
  const size =
    page.viewportSize() ?? (await page.evaluate<{ width: number; height: number }>('({ width: innerWidth, height: innerHeight })'));
  const dir = join(repoRoot(), '.run', 'screenshots');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${size.width}x${size.height}.png`);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  return path;
}
