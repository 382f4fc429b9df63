import { openOrm } from '@cpt/application';
import {
  type Browser,
  createTestKey,
  launchChromium,
  type Page,
  type PageWatch,
  screenshot,
  type TestKey,
  testDatabaseUrl,
  waitFor,
  watchPage,
} from '@cpt/testkit';
import axe from 'axe-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealtimeStack, startRealtimeStack } from '../realtime/stack.js';
import { client } from '../support/http.js';
import { freePort, startService } from '../support/services.js';

/**
 * Section 10 in a real browser (Debian's Chromium, headless): a trader pastes a key, follows the
 * story's AAPL campaign live, runs commands from the page, sees a conflict in words, rides out a
 * gateway restart without a reload, and cannot reach another account's campaign.
 */

const LONG_WAIT = 15_000;

/** A moment `secondsAgo` before now, as the API writes it. */
const ago = (secondsAgo: number): string => new Date(Date.now() - secondsAgo * 1000).toISOString();

describe('the dashboard in Chromium', () => {
  let stack: RealtimeStack;
  let port: number;
  let keyA: TestKey;
  let keyB: TestKey;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let campaignId: string;
  let springId: string;
  let sosId: string;
  let gatewayUrl: string;
  /** Requests the page makes that fail on purpose (the 409, the other account's 404, the restart). */
  const expected = { conflict: false, otherAccount: false, restart: false };

  const api = () => client(gatewayUrl, keyA);
  const row = (positionId: string) => page.locator(`tr[data-position-id="${positionId}"]`);
  const cell = (positionId: string, field: string) => row(positionId).locator(`[data-field="${field}"]`);
  const total = (field: string) => page.locator(`[data-total="${field}"] dd`);
  /** Waits until `locator`'s text is exactly `text`. */
  const shows = async (locator: ReturnType<Page['locator']>, text: string, timeout = LONG_WAIT) => {
    await locator.filter({ hasText: new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).waitFor({ timeout });
  };
  const tick = async (price: string) => {
    await stack.ticks([{ symbol: 'AAPL', price, ts: new Date().toISOString() }]);
  };

  beforeAll(async () => {
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 1 });
    try {
      keyA = await createTestKey(orm, { name: 'desk key' });
      keyB = await createTestKey(orm, { name: 'other desk key' });
    } finally {
      await orm.close(true);
    }
    port = await freePort();
    stack = await startRealtimeStack([{ PORT: String(port) }]);
    gatewayUrl = stack.gateways[0]?.url ?? '';
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, timezoneId: 'Europe/Berlin' });
    watch = await watchPage(page, {
      expectedFailure: (f) =>
        (expected.conflict && f.status === 409) ||
        (expected.otherAccount && f.status === 404) ||
        (expected.restart && f.error !== undefined),
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('takes the pasted key, lists the account, and shows the AAPL campaign with the exact totals', async () => {
    const gw = api();
    // An equity, so that the heat meets its limits: 5% per campaign, 10% for the account.
    expect((await gw.patch('/api/v1/account/settings', { equity: '100000' })).status).toBe(200);
    const c = await gw.post<{ id: string }>('/api/v1/campaigns', { name: 'AAPL accumulation', symbol: 'AAPL', timeframe: '1d' });
    expect(c.status).toBe(201);
    campaignId = c.body.id;
    const spring = await gw.post<{ id: string }>(`/api/v1/campaigns/${campaignId}/positions`, {
      pattern_type: 'SPRING',
      entry_price: '150.00',
      shares: '100',
      stop_loss: '148.00',
      entry_date: ago(3),
    });
    const sos = await gw.post<{ id: string }>(`/api/v1/campaigns/${campaignId}/positions`, {
      pattern_type: 'SOS',
      entry_price: '152.00',
      shares: '75',
      stop_loss: '149.50',
      entry_date: ago(2),
    });
    expect([spring.status, sos.status]).toEqual([201, 201]);
    springId = spring.body.id;
    sosId = sos.body.id;
    await tick('155.00');
    await waitFor(async () => (await gw.get(`/api/v1/campaigns/${campaignId}`)).body.unrealized_pnl === '725.00000000', {
      timeoutMs: LONG_WAIT,
      what: 'the mark at 155.00',
    });

    await page.goto(`${gatewayUrl}/`);
    await page.getByLabel('API key').fill(keyA.key);
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    const link = page.getByRole('link', { name: 'AAPL accumulation' });
    await link.waitFor({ timeout: LONG_WAIT });
    await page.locator('[data-link="live"]').waitFor({ timeout: LONG_WAIT });
    // The key stays in this tab's session storage, never in the address.
    // (Page scripts as text: the tests are type-checked without the DOM's types.)
    expect(await page.evaluate('Object.values(sessionStorage)')).toEqual([keyA.key]);
    expect(page.url()).not.toContain(keyA.key);
    await screenshot(page, 'campaigns');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'campaigns');
    await page.setViewportSize({ width: 1440, height: 900 });

    await link.click();
    await shows(total('total_shares'), '175.00000000');
    await shows(total('weighted_avg_entry'), '150.85714286');
    await shows(total('total_risk'), '387.50000000');
    await shows(total('unrealized_pnl'), '725.00000000');
    await shows(total('realized_pnl'), '0.00000000');
    await shows(total('total_pnl'), '725.00000000');
    await shows(cell(springId, 'current_price'), '155.00000000');
    await shows(cell(springId, 'current_pnl'), '500.00000000');
    await shows(cell(sosId, 'current_pnl'), '225.00000000');
    await page.locator('.chart canvas').first().waitFor({ timeout: LONG_WAIT });
  });

  it('shows a new tick in the price and P&L cells within a second', async () => {
    await tick('156.00');
    const posted = Date.now();
    await shows(cell(springId, 'current_price'), '156.00000000', 1000);
    await shows(cell(springId, 'current_pnl'), '600.00000000', 1000);
    await shows(cell(sosId, 'current_pnl'), '300.00000000', 1000);
    await shows(total('unrealized_pnl'), '900.00000000', 1000);
    expect(Date.now() - posted).toBeLessThan(1000);
  });

  it('adds a position and exits part of one from the page', async () => {
    await page.getByRole('button', { name: 'Add position…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Pattern').selectOption('LPS');
    await dialog.getByLabel('Entry price').fill('153.00');
    await dialog.getByLabel('Shares', { exact: true }).fill('80');
    await dialog.getByLabel(/^Stop/).fill('151.00');
    await dialog.getByRole('button', { name: 'Add position' }).click();
    await dialog.waitFor({ state: 'detached', timeout: LONG_WAIT });
    await shows(total('total_shares'), '255.00000000');
    // (150 × 100 + 152 × 75 + 153 × 80) / 255, rounded once; risk 200 + 187.5 + 160.
    await shows(total('weighted_avg_entry'), '151.52941176');
    await shows(total('total_risk'), '547.50000000');
    expect(await page.locator('tbody tr[data-position-id]').count()).toBe(3);

    await row(springId)
      .getByRole('button', { name: /^SPRING/ })
      .click();
    await page.getByRole('button', { name: 'Exit part…' }).click();
    await dialog.getByLabel('Shares to exit').fill('40');
    await dialog.getByLabel('Exit price').fill('157.00');
    await dialog.getByLabel('Fee').fill('1.00');
    await dialog.getByRole('button', { name: 'Exit', exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: LONG_WAIT });
    const exit = page.locator('[data-selected-position] tr[data-exit-id]');
    await exit.waitFor({ timeout: LONG_WAIT });
    expect(await exit.locator('td').allInnerTexts()).toEqual([
      expect.any(String),
      '40.00000000',
      '157.00000000',
      '1.00000000',
      '280.00000000',
    ]);
    await shows(cell(springId, 'open_shares'), '60.00000000');
    await shows(total('realized_pnl'), '280.00000000');
    await shows(total('total_fees'), '1.00000000');
    // 6 × 60 + 4 × 75 + 0 (the LPS entered after the last mark) unrealized; net = 940 − 1.
    await shows(total('unrealized_pnl'), '660.00000000');
    await shows(total('net_pnl'), '939.00000000');
    await screenshot(page, 'campaign');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'campaign');
    await page.setViewportSize({ width: 1440, height: 900 });
  });

  it('shows a 409 in words when another client changed the campaign first, and refreshes the view', async () => {
    const before = Number(await page.getByTestId('version').textContent());
    await row(sosId).getByRole('button', { name: /^SOS/ }).click();
    await page.getByRole('button', { name: 'Move stop…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New stop').fill('150.00');
    // Meanwhile another client trails the Spring's stop.
    const moved = await api().patch(`/api/v1/positions/${springId}`, { stop_loss: '149.00' });
    expect(moved.status).toBe(200);
    await shows(page.getByTestId('version'), String(before + 1));
    expected.conflict = true;
    await dialog.getByRole('button', { name: 'Move stop' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor({ timeout: LONG_WAIT });
    expect(await alert.textContent()).toContain('Someone changed this campaign first.');
    expect(await alert.textContent()).toContain(`version ${before + 1}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expected.conflict = false;
    await shows(cell(springId, 'stop_loss'), '149.00000000');
    await shows(cell(sosId, 'stop_loss'), '149.50000000');
    const view = await api().get(`/api/v1/campaigns/${campaignId}/positions`);
    expect((view.body.positions as { id: string; stop_loss: string }[]).find((p) => p.id === sosId)?.stop_loss).toBe('149.50000000');
  });

  it('switches the exit at the stop on and off from the campaign view, each a new version', async () => {
    const toggle = page.getByRole('switch', { name: 'Exit at the stop automatically' });
    expect(await toggle.isChecked()).toBe(false);
    for (const on of [true, false]) {
      const before = Number(await page.getByTestId('version').textContent());
      await toggle.click();
      // The version on screen comes with the update the change sent over the WebSocket.
      await shows(page.getByTestId('version'), String(before + 1));
      await waitFor(async () => (await toggle.isChecked()) === on && (await toggle.isEnabled()), {
        timeoutMs: LONG_WAIT,
        what: `the switch ${on ? 'on' : 'off'}`,
      });
      const c = await api().get(`/api/v1/campaigns/${campaignId}`);
      expect([c.body.auto_exit_on_stop, c.body.version]).toEqual([on, before + 1]);
    }
    const journal = await api().get<{ items: { action: string; details: unknown }[] }>(`/api/v1/campaigns/${campaignId}/journal?limit=1`);
    const [entry] = journal.body.items;
    expect(entry).toMatchObject({ action: 'campaign_updated', details: { auto_exit_on_stop: false } });
  });

  it('resumes after the gateway is killed and started again, without a reload', async () => {
    await page.evaluate('window.sameDocument = true');
    expected.restart = true;
    await stack.gateways[0]?.kill();
    await page.locator('[data-link="reconnecting"]').waitFor({ timeout: LONG_WAIT });
    const restarted = await startService('gateway', { PORT: String(port) });
    stack.gateways[0] = restarted;
    await page.locator('[data-link="live"]').waitFor({ timeout: LONG_WAIT });
    await tick('158.00');
    await shows(cell(springId, 'current_price'), '158.00000000');
    await shows(cell(springId, 'current_pnl'), '480.00000000');
    expected.restart = false;
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  it("cannot reach another account's campaign", async () => {
    const other = await client(gatewayUrl, keyB).post<{ id: string }>('/api/v1/campaigns', {
      name: 'Other desk secret',
      symbol: 'AAPL',
      timeframe: '1h',
    });
    expect(other.status).toBe(201);
    expected.otherAccount = true;
    await page.goto(`${gatewayUrl}/#/campaigns/${other.body.id}`);
    await page.getByRole('alert').filter({ hasText: 'Not found.' }).waitFor({ timeout: LONG_WAIT });
    expect(await page.locator('[data-total]').count()).toBe(0);
    expect(await page.content()).not.toContain('Other desk secret');
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('link', { name: 'AAPL accumulation' }).waitFor({ timeout: LONG_WAIT });
    expect(await page.content()).not.toContain('Other desk secret');
    expected.otherAccount = false;
  });

  it('meets WCAG 2.1 AA on every view and in a command form (axe-core finds nothing)', async () => {
    const audit = async (view: string): Promise<string[]> => {
      // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
      await page.evaluate(axe.source);
      const r = (await page.evaluate(
        "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })",
      )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
      return r.violations.map((v) => `${view}: ${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    };
    const found: string[] = [];
    await page.goto(`${gatewayUrl}/#/campaigns`);
    await page.getByRole('link', { name: 'AAPL accumulation' }).waitFor({ timeout: LONG_WAIT });
    found.push(...(await audit('campaigns')));
    await page.getByRole('link', { name: 'AAPL accumulation' }).click();
    await shows(total('total_shares'), '215.00000000');
    await page.locator('.chart canvas').first().waitFor({ timeout: LONG_WAIT });
    found.push(...(await audit('campaign')));
    await page.getByRole('button', { name: 'Add position…' }).click();
    await page.getByRole('dialog').waitFor({ timeout: LONG_WAIT });
    found.push(...(await audit('add position form')));
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached', timeout: LONG_WAIT });
    await page.getByRole('link', { name: 'Statistics' }).click();
    await page.getByRole('heading', { name: 'Statistics by pattern' }).waitFor({ timeout: LONG_WAIT });
    found.push(...(await audit('statistics')));
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('button', { name: 'Change risk settings…' }).waitFor({ timeout: LONG_WAIT });
    found.push(...(await audit('account')));
    expect(found).toEqual([]);
  });

  it('logged no key and broke no rule of the page', async () => {
    // Chromium reports a WebSocket that cannot connect (the gateway was down) on the console.
    const problems = watch.problems().filter((p) => !/WebSocket connection to .* failed/.test(p));
    expect(problems).toEqual([]);
    for (const gw of stack.gateways) expect(JSON.stringify(gw.logs)).not.toContain(keyA.key);
  });
});
