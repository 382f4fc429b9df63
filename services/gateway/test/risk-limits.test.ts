import { D } from '@cpt/domain';
import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, at, closeCampaign, closePosition, expectError, expectInvalid, get, moveStop, post, type Res } from './api.js';
import { exitPosition, expectExit, getAccount, patchSettings } from './exits-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * Section 8's risk limits through the gateway: the account view, its settings, and the refusal of
 * every command that would raise a campaign's exposure or the account's heat past its limit. Each
 * test acts as an account of its own, since settings and heat are the account's.
 */

let gw: Gateway;
/** A second gateway on the same database: concurrent commands come in through both. */
let gw2: Gateway;
beforeAll(async () => {
  gw = await startGateway();
  gw2 = await startGateway();
});
afterAll(async () => {
  await gw?.close();
  await gw2?.close();
});

const UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DEFAULTS = { equity: null, max_campaign_risk_pct: '5.00000000', max_portfolio_heat_pct: '10.00000000' };

/** A new account's key (all scopes), its settings changed first when given. */
async function account(settings?: Record<string, unknown>): Promise<TestKey> {
  const key = await createTestKey(gw.orm);
  if (settings) expect(await settingsOk(key, settings)).toMatchObject({ id: key.accountId });
  return key;
}

async function settingsOk(key: TestKey, body: Record<string, unknown>) {
  const res = await patchSettings(gw.app, body, key.headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function accountView(key: TestKey) {
  const res = await getAccount(gw.app, key.headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function campaign(key: TestKey, side: 'LONG' | 'SHORT' = 'LONG'): Promise<string> {
  const res = await post(gw.app, '/api/v1/campaigns', { name: 'risk', symbol: uniqueSymbol('RK'), timeframe: '1h', side }, key.headers);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

/** A position body: `shares` at `entry`, stop at `stop` (its risk is |entry − stop| × shares). */
const entry = (shares: string, entryPrice: string, stop: string, pattern = 'SPRING') => ({
  pattern_type: pattern,
  shares,
  entry_price: entryPrice,
  stop_loss: stop,
  entry_date: at('09:00'),
});

async function opened(key: TestKey, campaignId: string, body: Record<string, unknown>): Promise<string> {
  const res = await addPosition(gw.app, campaignId, body, key.headers);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

function expectStatus(res: Res, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

/** Asserts 422 risk_limit_exceeded with exactly these details. */
function expectBreach(res: Res, details: { limit: string; max: string; would_be: string }[]) {
  const error = expectError(res, 422, 'risk_limit_exceeded');
  expect(error.details).toEqual(details);
}

/** What a refused command must leave as it was: the campaigns' positions, versions and journals, and the account. */
async function snapshot(key: TestKey, campaignIds: string[]) {
  const campaigns = await Promise.all(
    campaignIds.map(async (id) => {
      const [positions, journal] = await Promise.all([
        get(gw.app, `/api/v1/campaigns/${id}/positions`, key.headers),
        get(gw.app, `/api/v1/campaigns/${id}/journal?limit=200`, key.headers),
      ]);
      return { positions: expectStatus(positions, 200), journal: expectStatus(journal, 200) };
    }),
  );
  return { campaigns, account: await accountView(key) };
}

describe('GET /api/v1/account', () => {
  it('shows the settings, the heat, and the exposure of each ACTIVE campaign; percentages only with equity', async () => {
    const key = await account();
    const empty = await accountView(key);
    expect(Object.keys(empty).sort()).toEqual(['campaigns', 'created_at', 'heat', 'heat_pct', 'id', 'name', 'settings']);
    expect(empty).toEqual({
      id: key.accountId,
      name: expect.any(String),
      created_at: expect.stringMatching(UTC_MS),
      settings: DEFAULTS,
      heat: '0.00000000',
      heat_pct: null,
      campaigns: [],
    });

    // A: 100 @ 50 stop 48 → (50 − 48) × 100 = 200; 10 @ 20 stop 19, then its stop moved to 21,
    // past the entry: risk (20 − 21) × 10 = −10, which exposes nothing.
    const a = await campaign(key);
    await opened(key, a, entry('100', '50', '48'));
    const locked = await opened(key, a, entry('10', '20', '19'));
    expectStatus(await moveStop(gw.app, locked, { stop_loss: '21' }, key.headers), 200);
    // B (SHORT): 50 @ 30 stop 31.5 → 75; after 20 are covered, (31.5 − 30) × 30 = 45.
    const b = await campaign(key, 'SHORT');
    const short = await opened(key, b, entry('50', '30', '31.5', 'UTAD'));
    expectExit(await exitPosition(gw.app, short, { shares: '20', price: '29', date: at('10:00') }, key.headers), 3);
    // C: its only position closed; still ACTIVE, exposing 0.
    const c = await campaign(key);
    const closing = await opened(key, c, entry('10', '10', '9'));
    expectStatus(await closePosition(gw.app, closing, { exit_price: '11', closed_date: at('10:00') }, key.headers), 200);
    // D: CLOSED, left out.
    const d = await campaign(key);
    expectStatus(await closeCampaign(gw.app, d, key.headers), 200);

    expect(await accountView(key)).toEqual({
      ...empty,
      // 200 + 45 + 0
      heat: '245.00000000',
      heat_pct: null,
      campaigns: [
        { campaign_id: a, exposure: '200.00000000', exposure_pct: null },
        { campaign_id: b, exposure: '45.00000000', exposure_pct: null },
        { campaign_id: c, exposure: '0.00000000', exposure_pct: null },
      ],
    });

    const settings = { ...DEFAULTS, equity: '30000.00000000' };
    expect(await settingsOk(key, { equity: '30000' })).toEqual({
      id: key.accountId,
      name: empty.name,
      created_at: empty.created_at,
      settings,
    });
    expect(await accountView(key)).toEqual({
      ...empty,
      settings,
      heat: '245.00000000',
      // 100 × 245 / 30000 = 0.816666…
      heat_pct: '0.81666667',
      campaigns: [
        // 100 × 200 / 30000 = 0.666666…
        { campaign_id: a, exposure: '200.00000000', exposure_pct: '0.66666667' },
        // 100 × 45 / 30000 = 0.15
        { campaign_id: b, exposure: '45.00000000', exposure_pct: '0.15000000' },
        { campaign_id: c, exposure: '0.00000000', exposure_pct: '0.00000000' },
      ],
    });

    // Another account sees its own account, none of this one's campaigns.
    const other = await account();
    expect(await accountView(other)).toMatchObject({ id: other.accountId, settings: DEFAULTS, heat: '0.00000000', campaigns: [] });
  });
});

describe('PATCH /api/v1/account/settings', () => {
  it('sets any of the three settings, leaves the others, and sets equity back to null', async () => {
    const key = await account();
    const c = await campaign(key);
    await opened(key, c, entry('10', '20', '19'));
    const base = await accountView(key);
    const campaignBefore = await snapshot(key, [c]);
    const set = await settingsOk(key, { equity: '100000', max_campaign_risk_pct: '2.5', max_portfolio_heat_pct: 6 });
    expect(Object.keys(set).sort()).toEqual(['created_at', 'id', 'name', 'settings']);
    expect(set).toEqual({
      id: key.accountId,
      name: base.name,
      created_at: base.created_at,
      settings: { equity: '100000.00000000', max_campaign_risk_pct: '2.50000000', max_portfolio_heat_pct: '6.00000000' },
    });
    expect((await accountView(key)).settings).toEqual(set.settings);

    expect((await settingsOk(key, { max_campaign_risk_pct: 100 })).settings).toEqual({
      ...set.settings,
      max_campaign_risk_pct: '100.00000000',
    });
    expect((await settingsOk(key, { max_portfolio_heat_pct: '0.00000001' })).settings).toEqual({
      equity: '100000.00000000',
      max_campaign_risk_pct: '100.00000000',
      max_portfolio_heat_pct: '0.00000001',
    });
    const cleared = await settingsOk(key, { equity: null });
    expect(cleared.settings).toEqual({ equity: null, max_campaign_risk_pct: '100.00000000', max_portfolio_heat_pct: '0.00000001' });
    expect(await accountView(key)).toMatchObject({ settings: cleared.settings, heat_pct: null });
    // Account settings are not a command on a campaign: no journal entry, no new version.
    expect((await snapshot(key, [c])).campaigns).toEqual(campaignBefore.campaigns);
  });

  it.each([
    [{ max_campaign_risk_pct: '0' }, 'max_campaign_risk_pct'],
    [{ max_campaign_risk_pct: '-1' }, 'max_campaign_risk_pct'],
    [{ max_campaign_risk_pct: '100.00000001' }, 'max_campaign_risk_pct'],
    [{ max_campaign_risk_pct: 101 }, 'max_campaign_risk_pct'],
    [{ max_campaign_risk_pct: null }, 'max_campaign_risk_pct'],
    [{ max_portfolio_heat_pct: 0 }, 'max_portfolio_heat_pct'],
    [{ max_portfolio_heat_pct: '150' }, 'max_portfolio_heat_pct'],
    [{ max_portfolio_heat_pct: '5e1' }, 'max_portfolio_heat_pct'],
    [{ equity: '0' }, 'equity'],
    [{ equity: 0 }, 'equity'],
    [{ equity: '-100' }, 'equity'],
    [{ equity: 'lots' }, 'equity'],
    [{ equity: '12345678901' }, 'equity'],
    [{ max_risk_pct: '5' }, 'max_risk_pct'],
    [{ equity: '5000', max_portfolio_heat_pct: '0' }, 'max_portfolio_heat_pct'],
  ])('refuses %j with 422 naming %s, and changes nothing', async (body, path) => {
    const key = await account({ equity: '100000' });
    const before = await accountView(key);
    expectInvalid(await patchSettings(gw.app, body, key.headers), path);
    expect(await accountView(key)).toEqual(before);
  });
});

describe('risk limits: equity 100,000.00, 5% a campaign, 10% the account', () => {
  it('refuses a position past 5,000.00 of campaign exposure with 422 risk_limit_exceeded, changing nothing, and takes exactly 5,000.00', async () => {
    const key = await account({ equity: '100000.00' });
    const x = await campaign(key);
    // (50 − 46) × 1000 = 4000
    const big = await opened(key, x, entry('1000', '50', '46'));
    const before = await snapshot(key, [x]);

    // (1000.02 − 0.01) × 1 = 1000.01: 4000 + 1000.01 = 5000.01 > 5000 (heat 5000.01 ≤ 10000)
    expectBreach(await addPosition(gw.app, x, entry('1', '1000.02', '0.01'), key.headers), [
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5000.01000000' },
    ]);
    expect(await snapshot(key, [x])).toEqual(before);
    expect(before.campaigns[0]?.positions.version).toBe(2);

    // (1000.01 − 0.01) × 1 = 1000: exactly 5000, allowed.
    await opened(key, x, entry('1', '1000.01', '0.01'));
    expect(await accountView(key)).toMatchObject({
      heat: '5000.00000000',
      heat_pct: '5.00000000',
      campaigns: [{ campaign_id: x, exposure: '5000.00000000', exposure_pct: '5.00000000' }],
    });
    // Now not even 0.00000001 more: (1 − 0.99999999) × 1.
    expectBreach(await addPosition(gw.app, x, entry('1', '1', '0.99999999'), key.headers), [
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5000.00000001' },
    ]);

    // A stop moved away from the market past the limit: (50 − 45.99) × 1000 = 4010, +10.
    const atLimit = await snapshot(key, [x]);
    expectBreach(await moveStop(gw.app, big, { stop_loss: '45.99' }, key.headers), [
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5010.00000000' },
    ]);
    expect(await snapshot(key, [x])).toEqual(atLimit);
    // Toward the market: (50 − 47) × 1000 = 3000, accepted; back to 46 reaches 5000 exactly, accepted.
    expect(expectStatus(await moveStop(gw.app, big, { stop_loss: '47' }, key.headers), 200).stop_loss).toBe('47.00000000');
    expect(expectStatus(await moveStop(gw.app, big, { stop_loss: '46' }, key.headers), 200).stop_loss).toBe('46.00000000');
    expect((await accountView(key)).heat).toBe('5000.00000000');
  });

  it('refuses past 10,000.00 of heat over several campaigns with portfolio_heat details, both limits named when both break', async () => {
    const key = await account({ equity: '100000' });
    const [h1, h2, h3] = [await campaign(key), await campaign(key), await campaign(key, 'SHORT')];
    const p1 = await opened(key, h1, entry('1000', '50', '46'));
    await opened(key, h2, entry('1000', '50', '46'));
    const before = await snapshot(key, [h1, h2, h3]);

    // SHORT (12.5 − 10) × 1000 = 2500: the campaign's 2500 fits, the heat 4000 + 4000 + 2500 does not.
    expectBreach(await addPosition(gw.app, h3, entry('1000', '10', '12.5', 'UTAD'), key.headers), [
      { limit: 'portfolio_heat', max: '10000.00000000', would_be: '10500.00000000' },
    ]);
    expect(await snapshot(key, [h1, h2, h3])).toEqual(before);
    // (12 − 10) × 1000 = 2000: the heat reaches 10000 exactly.
    const short = await opened(key, h3, entry('1000', '10', '12', 'UTAD'));
    expect(await accountView(key)).toMatchObject({ heat: '10000.00000000', heat_pct: '10.00000000' });

    // 1500 more in h1: the campaign would be 5500 and the heat 11500.
    const full = await snapshot(key, [h1, h2, h3]);
    expectBreach(await addPosition(gw.app, h1, entry('1000', '20', '18.5'), key.headers), [
      { limit: 'campaign_risk', max: '5000.00000000', would_be: '5500.00000000' },
      { limit: 'portfolio_heat', max: '10000.00000000', would_be: '11500.00000000' },
    ]);
    // A SHORT stop moved away (up) by 0.001: +1.
    expectBreach(await moveStop(gw.app, short, { stop_loss: '12.001' }, key.headers), [
      { limit: 'portfolio_heat', max: '10000.00000000', would_be: '10001.00000000' },
    ]);
    expect(await snapshot(key, [h1, h2, h3])).toEqual(full);

    // An exit frees heat: 500 of p1 leave (50 − 46) × 500 = 2000 exposed, the heat 8000.
    expectExit(await exitPosition(gw.app, p1, { shares: '500', price: '51', date: at('10:00') }, key.headers), 3);
    await opened(key, h1, entry('1000', '20', '18'));
    expect((await accountView(key)).heat).toBe('10000.00000000');
  });

  it('compares with the exact limit, unrounded: equity × pct / 100 = 3333.333333335', async () => {
    const key = await account({ equity: '33333.33333335', max_campaign_risk_pct: '100', max_portfolio_heat_pct: '10' });
    const c = await campaign(key);
    // (3333.33333335 − 0.00000001) × 1 = 3333.33333334 > 3333.333333335 (a limit rounded half-up to 8 digits would let it in)
    expectBreach(await addPosition(gw.app, c, entry('1', '3333.33333335', '0.00000001'), key.headers), [
      // The limit shown rounded half-even: …33|5 → …34.
      { limit: 'portfolio_heat', max: '3333.33333334', would_be: '3333.33333334' },
    ]);
    // 3333.33333333 ≤ 3333.333333335
    await opened(key, c, entry('1', '3333.33333335', '0.00000002'));
    // 100 × 3333.33333333 / 33333.33333335 = 9.9999999999399… → 10.00000000
    expect(await accountView(key)).toMatchObject({ heat: '3333.33333333', heat_pct: '10.00000000' });
  });

  it('never refuses what lowers exposure, even over a limit after equity was lowered; refuses what raises it', async () => {
    const key = await account({ equity: '100000' });
    const z = await campaign(key);
    const big = await opened(key, z, entry('1000', '50', '46'));
    const locked = await opened(key, z, entry('10', '20', '19'));
    // Past the entry: (20 − 21) × 10 = −10 exposes nothing.
    expectStatus(await moveStop(gw.app, locked, { stop_loss: '21' }, key.headers), 200);

    // Equity lowered to 10,000: limits 500 and 1000, the account is at 4000.
    await settingsOk(key, { equity: '10000' });
    expect(await accountView(key)).toMatchObject({
      heat: '4000.00000000',
      heat_pct: '40.00000000',
      campaigns: [{ campaign_id: z, exposure: '4000.00000000', exposure_pct: '40.00000000' }],
    });

    const before = await snapshot(key, [z]);
    // (10 − 9) × 1 = 1 more.
    expectBreach(await addPosition(gw.app, z, entry('1', '10', '9'), key.headers), [
      { limit: 'campaign_risk', max: '500.00000000', would_be: '4001.00000000' },
      { limit: 'portfolio_heat', max: '1000.00000000', would_be: '4001.00000000' },
    ]);
    // Away from the market by 0.01: +10.
    expectBreach(await moveStop(gw.app, big, { stop_loss: '45.99' }, key.headers), [
      { limit: 'campaign_risk', max: '500.00000000', would_be: '4010.00000000' },
      { limit: 'portfolio_heat', max: '1000.00000000', would_be: '4010.00000000' },
    ]);
    expect(await snapshot(key, [z])).toEqual(before);

    // Toward the market: accepted though still over both limits, (50 − 47) × 1000 = 3000.
    expectStatus(await moveStop(gw.app, big, { stop_loss: '47' }, key.headers), 200);
    // Away from the market but still past the entry: the exposure stays 0, so nothing is raised.
    expectStatus(await moveStop(gw.app, locked, { stop_loss: '20.5' }, key.headers), 200);
    // Exits: never refused. (50 − 47) × 600 = 1800 left exposed, still over.
    expectExit(await exitPosition(gw.app, big, { shares: '400', price: '49', date: at('10:00') }, key.headers), 7);
    expect((await accountView(key)).heat).toBe('1800.00000000');
    expectStatus(await closePosition(gw.app, big, { exit_price: '48', closed_date: at('11:00'), fee: '5' }, key.headers), 200);
    // Nothing exposed now: exactly the campaign limit fits, (500.01 − 0.01) × 1 = 500.
    await opened(key, z, entry('1', '500.01', '0.01'));
    expect(await accountView(key)).toMatchObject({ heat: '500.00000000', heat_pct: '5.00000000' });
  });

  it('enforces nothing without equity', async () => {
    const key = await account();
    const c = await campaign(key);
    // (9999999 − 1) × 1000 = 9999998000
    await opened(key, c, entry('1000', '9999999', '1'));
    expect((await accountView(key)).heat).toBe('9999998000.00000000');
  });

  it.each([
    // 5 × 1500 = 7500 would break a campaign: at most 3 a campaign, and the heat lets 6 in (9000; a 7th makes 10500).
    ['750', '8', 6, '9000.00000000'],
    // 5 × 1000 = 5000 fits each campaign: the heat alone binds, at exactly 10 (10000).
    ['500', '8', 10, '10000.00000000'],
  ])('lets exactly what fits of 20 concurrent adds over 4 campaigns (shares %s @ 10, stop %s): %i', async (shares, stop, fits, heat) => {
    const key = await account({ equity: '100000' });
    const campaigns = [await campaign(key), await campaign(key), await campaign(key), await campaign(key)];
    const risk = new D(10).minus(stop).mul(shares);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const via = i % 2 === 0 ? gw : gw2;
        return addPosition(via.app, campaigns[i % 4] as string, entry(shares, '10', stop), key.headers);
      }),
    );
    const accepted = answers.filter((r) => r.statusCode === 201);
    const refused = answers.filter((r) => r.statusCode !== 201);
    for (const r of refused) {
      const error = expectError(r, 422, 'risk_limit_exceeded');
      for (const d of error.details as { limit: string; max: string; would_be: string }[]) {
        expect(d.max).toBe(d.limit === 'campaign_risk' ? '5000.00000000' : '10000.00000000');
        expect(new D(d.would_be).gt(d.max)).toBe(true);
      }
    }
    expect(accepted.length).toBe(fits);

    // The heat the account shows, and the same recomputed from the positions themselves.
    const view = await accountView(key);
    expect(view.heat).toBe(heat);
    let recomputed = new D(0);
    for (const id of campaigns) {
      const positions = expectStatus(await get(gw.app, `/api/v1/campaigns/${id}/positions`, key.headers), 200);
      let exposure = new D(0);
      for (const p of positions.positions) exposure = exposure.plus(new D(p.entry_price).minus(p.stop_loss).mul(p.open_shares));
      expect(exposure.lte(5000)).toBe(true);
      expect(positions.version).toBe(1 + positions.positions.length);
      expect(view.campaigns.find((c: { campaign_id: string }) => c.campaign_id === id)?.exposure).toBe(exposure.toFixed(8));
      recomputed = recomputed.plus(exposure);
    }
    expect(recomputed.toFixed(8)).toBe(heat);
    expect(recomputed.lte(10000)).toBe(true);
    expect(recomputed.eq(risk.mul(fits))).toBe(true);
  });
});
