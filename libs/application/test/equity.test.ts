import type { EquityPointJson } from '@cpt/contracts';
import { type Caller, dec, NotFoundError, ValidationError } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asDate, query } from '../src/db/sql.js';
import { CampaignCommands, EquityReads, MikroORM, markPositions, ormOptions, pruneEquity } from '../src/index.js';
import { newCaller, openTestOrm, testDatabaseUrl, uniqueSymbol } from './support.js';

/**
 * Equity curves (section 9), driven by commands and marks at chosen instants (`opts.now`, the
 * commit's time), read with a fixed `now`. The instants lie a day (three for retention) before the
 * wall clock, inside every retention window, so that no retention pass of a running position
 * service removes them meanwhile. `T(m, s)` is minute `m`, second `s` of an hour (`10:mm:ss`).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The start of the hour `days` before the wall clock: the tests' "10:00". */
const hourDaysAgo = (days: number): number => Math.floor((Date.now() - days * DAY) / HOUR) * HOUR;

type Figures = Omit<EquityPointJson, 't'>;
const fig = (total_pnl: string, net_pnl: string, realized_pnl: string, unrealized_pnl: string, total_risk: string): Figures => ({
  total_pnl,
  net_pnl,
  realized_pnl,
  unrealized_pnl,
  total_risk,
});

describe('equity curves (section 9)', () => {
  let orm: MikroORM;
  let commands: CampaignCommands;
  let equity: EquityReads;
  beforeAll(async () => {
    orm = await openTestOrm();
    commands = new CampaignCommands(orm.em);
    equity = new EquityReads(orm.em);
  });
  afterAll(async () => orm.close());

  /** A LONG campaign created at `created` on a symbol of its own. */
  const campaign = async (caller: Caller, created: Date) => {
    const symbol = uniqueSymbol('EQ');
    const c = await commands.createCampaign(caller, { name: `equity ${symbol}`, symbol, timeframe: '1m', side: 'LONG' }, { now: created });
    return { id: c.id, symbol };
  };
  const open = (caller: Caller, campaignId: string, entry: string, shares: string, stop: string, fee: string, now: Date) =>
    commands.addPosition(
      caller,
      campaignId,
      { patternType: 'SPRING', entryPrice: dec(entry), shares: dec(shares), stopLoss: dec(stop), entryFee: dec(fee), entryDate: now },
      { now },
    );
  const tick = (symbol: string, price: string, now: Date) => markPositions(orm.em, [{ symbol, price: dec(price), ts: now }], { now });

  describe('a campaign and its account, across three minutes and a change at a bucket start', () => {
    const H = hourDaysAgo(1);
    const T = (m: number, s = 0) => new Date(H + m * MINUTE + s * 1000);
    const iso = (m: number) => T(m).toISOString();
    const NOW = T(3, 20);
    let caller: Caller;
    let a: { id: string; symbol: string };
    let b: { id: string; symbol: string };

    // Campaign A, created at 10:00:05:
    //   10:00:10 opens 10 @ 100, stop 98, entry fee 1: total 0, net −1, realized 0, unrealized 0, risk (100 − 98) × 10 = 20
    //   10:00:40 mark 103: unrealized (103 − 100) × 10 = 30, total 30, net 30 − 1 = 29, risk 20
    //   (10:01 quiet)
    //   10:02:20 mark 101.5: unrealized 15, total 15, net 14, risk 20
    //   10:03:00 (a bucket's start) exits 4 @ 102, fee 0.5: realized (102 − 100) × 4 = 8; unrealized
    //            (101.5 − 100) × 6 = 9; total 17; fees 1.5; net 15.5; risk 2 × 6 = 12
    // Campaign B of the same account, created later, at 10:01:10:
    //   10:01:20 opens 2 @ 50, stop 49, no fee: total 0, net 0, risk 2
    //   10:02:30 mark 52: unrealized (52 − 50) × 2 = 4, total 4, net 4, risk 2
    const A = {
      m0: fig('30.00000000', '29.00000000', '0.00000000', '30.00000000', '20.00000000'),
      m2: fig('15.00000000', '14.00000000', '0.00000000', '15.00000000', '20.00000000'),
      m3: fig('17.00000000', '15.50000000', '8.00000000', '9.00000000', '12.00000000'),
    };
    const B = {
      m1: fig('0.00000000', '0.00000000', '0.00000000', '0.00000000', '2.00000000'),
      m2: fig('4.00000000', '4.00000000', '0.00000000', '4.00000000', '2.00000000'),
    };

    beforeAll(async () => {
      caller = await newCaller(orm);
      a = await campaign(caller, T(0, 5));
      const p = await open(caller, a.id, '100', '10', '98', '1', T(0, 10));
      await tick(a.symbol, '103', T(0, 40));
      b = await campaign(caller, T(1, 10));
      await open(caller, b.id, '50', '2', '49', '0', T(1, 20));
      await tick(a.symbol, '101.5', T(2, 20));
      await tick(b.symbol, '52', T(2, 30));
      await commands.exitPosition(
        caller,
        p.position.id,
        { shares: dec('4'), price: dec('102'), date: T(3), fee: dec('0.5') },
        { now: T(3) },
      );
    });

    it('1m: one point per minute with the totals after its last change, carried through the quiet minute', async () => {
      const curve = await equity.campaign(caller.accountId, a.id, { from: T(0), to: T(3), interval: '1m' }, NOW);
      expect(curve).toEqual({
        campaign_id: a.id,
        interval: '1m',
        points: [
          { t: iso(0), ...A.m0 },
          { t: iso(1), ...A.m0 },
          { t: iso(2), ...A.m2 },
          { t: iso(3), ...A.m3 },
        ],
      });
    });

    it('a change committed exactly at a bucket start belongs to that bucket, not to the one before', async () => {
      const curve = await equity.campaign(caller.accountId, a.id, { from: T(2), to: T(2, 59), interval: '1m' }, NOW);
      expect(curve.points).toEqual([{ t: iso(2), ...A.m2 }]);
    });

    it('from is rounded down to the interval, and nothing precedes the bucket of the campaign’s creation', async () => {
      const ofA = await equity.campaign(caller.accountId, a.id, { from: T(-30), to: T(1, 30), interval: '1m' }, NOW);
      expect(ofA.points).toEqual([
        { t: iso(0), ...A.m0 },
        { t: iso(1), ...A.m0 },
      ]);
      // B was created at 10:01:10: its curve starts at 10:01, whatever `from` says.
      const ofB = await equity.campaign(caller.accountId, b.id, { from: T(0, 30), to: T(3), interval: '1m' }, NOW);
      expect(ofB.points).toEqual([
        { t: iso(1), ...B.m1 },
        { t: iso(2), ...B.m2 },
        { t: iso(3), ...B.m2 },
      ]);
    });

    it('1h and 1d: one point holding the totals after the last change', async () => {
      expect((await equity.campaign(caller.accountId, a.id, { from: T(0), interval: '1h' }, NOW)).points).toEqual([{ t: iso(0), ...A.m3 }]);
      const day = new Date(Math.floor(H / DAY) * DAY).toISOString();
      expect((await equity.campaign(caller.accountId, a.id, { from: T(0), interval: '1d' }, NOW)).points).toEqual([{ t: day, ...A.m3 }]);
    });

    it('to in the future is clipped to now', async () => {
      const curve = await equity.campaign(caller.accountId, a.id, { from: T(1), to: T(60 * 24 * 2), interval: '1m' }, NOW);
      expect(curve.points.map((p) => p.t)).toEqual([iso(1), iso(2), iso(3)]);
      // And without `to`, to now.
      const untilNow = await equity.campaign(caller.accountId, a.id, { from: T(1), interval: '1m' }, T(2, 59));
      expect(untilNow.points).toEqual([
        { t: iso(1), ...A.m0 },
        { t: iso(2), ...A.m2 },
      ]);
    });

    it('the account sums its campaigns, each from its creation, from the bucket of its first campaign', async () => {
      const sum = {
        // A only: B does not exist yet.
        m0: A.m0,
        // A (30, 29, 0, 30, 20) + B (0, 0, 0, 0, 2)
        m1: fig('30.00000000', '29.00000000', '0.00000000', '30.00000000', '22.00000000'),
        // A (15, 14, 0, 15, 20) + B (4, 4, 0, 4, 2)
        m2: fig('19.00000000', '18.00000000', '0.00000000', '19.00000000', '22.00000000'),
        // A (17, 15.5, 8, 9, 12) + B (4, 4, 0, 4, 2)
        m3: fig('21.00000000', '19.50000000', '8.00000000', '13.00000000', '14.00000000'),
      };
      expect(await equity.account(caller.accountId, { from: T(-5), to: T(3), interval: '1m' }, NOW)).toEqual({
        account_id: caller.accountId,
        interval: '1m',
        points: [
          { t: iso(0), ...sum.m0 },
          { t: iso(1), ...sum.m1 },
          { t: iso(2), ...sum.m2 },
          { t: iso(3), ...sum.m3 },
        ],
      });
      // From a later `from`: A's last point before it is carried in.
      expect((await equity.account(caller.accountId, { from: T(1), to: T(2), interval: '1m' }, NOW)).points).toEqual([
        { t: iso(1), ...sum.m1 },
        { t: iso(2), ...sum.m2 },
      ]);
      expect((await equity.account(caller.accountId, { from: T(0), interval: '1h' }, NOW)).points).toEqual([{ t: iso(0), ...sum.m3 }]);
    });

    it('at most 1,000 points, counted from `from` to the clipped `to`', async () => {
      // From 10:03 back 999 minutes: 1,000 buckets, allowed; one more is refused.
      const ok = await equity.campaign(caller.accountId, a.id, { from: T(3 - 999), to: T(3), interval: '1m' }, NOW);
      expect(ok.points.map((p) => p.t)).toEqual([iso(0), iso(1), iso(2), iso(3)]);
      await expect(equity.campaign(caller.accountId, a.id, { from: T(3 - 1000), to: T(3), interval: '1m' }, NOW)).rejects.toThrow(
        ValidationError,
      );
      // `to` far ahead counts only up to now.
      expect(
        (await equity.campaign(caller.accountId, a.id, { from: T(3 - 999), to: new Date(H + 30 * DAY), interval: '1m' }, NOW)).points,
      ).toHaveLength(4);
      await expect(equity.account(caller.accountId, { from: new Date(NOW.getTime() - 2 * DAY), interval: '1m' }, NOW)).rejects.toThrow(
        ValidationError,
      );
    });

    it("another account's campaign is not found, and another account's curve is its own", async () => {
      const stranger = await newCaller(orm);
      await expect(equity.campaign(stranger.accountId, a.id, { from: T(0), interval: '1m' }, NOW)).rejects.toThrow(NotFoundError);
      expect(await equity.account(stranger.accountId, { from: T(0), interval: '1m' }, NOW)).toEqual({
        account_id: stranger.accountId,
        interval: '1m',
        points: [],
      });
    });
  });

  describe('retention (pruneEquity)', () => {
    // Three days ago, far from the other tests' instants and inside every retention window.
    const R = hourDaysAgo(3);
    const T = (m: number, s = 0) => new Date(R + m * MINUTE + s * 1000);
    const NOW = T(10);
    const CUT = T(3);

    it('deletes the old 1m points but each campaign’s last one before the cut; the curve from the cut on is unchanged', async () => {
      const caller = await newCaller(orm);
      // C: points at 10:00, 10:01, 10:02 (all before the cut at 10:03), 10:04 and 10:05.
      const c = await campaign(caller, T(0));
      await open(caller, c.id, '10', '1', '9', '0', T(0, 10));
      await tick(c.symbol, '11', T(1, 10));
      await tick(c.symbol, '12', T(2, 10));
      await tick(c.symbol, '13', T(4, 10));
      await tick(c.symbol, '14', T(5, 10));
      // D: one point, at 10:00, before the cut: it is its last before the cut, and kept.
      const d = await campaign(caller, T(0, 20));
      await open(caller, d.id, '20', '1', '19', '0', T(0, 30));

      const curves = () =>
        Promise.all([
          equity.campaign(caller.accountId, c.id, { from: CUT, to: T(6), interval: '1m' }, NOW),
          equity.campaign(caller.accountId, d.id, { from: CUT, to: T(6), interval: '1m' }, NOW),
          equity.account(caller.accountId, { from: CUT, to: T(6), interval: '1m' }, NOW),
          equity.account(caller.accountId, { from: T(0), interval: '1h' }, NOW),
        ]);
      const before = await curves();
      // C carries 12 into 10:03: (12 − 10) × 1 = 2.
      expect(before[0].points.map((p) => [p.t, p.total_pnl])).toEqual([
        [T(3).toISOString(), '2.00000000'],
        [T(4).toISOString(), '3.00000000'],
        [T(5).toISOString(), '4.00000000'],
        [T(6).toISOString(), '4.00000000'],
      ]);
      expect(await buckets(c.id, '1m')).toEqual([0, 1, 2, 4, 5].map((m) => T(m).toISOString()));

      let deleted = 0;
      for (let n = 1000; n === 1000; deleted += n) n = await pruneEquity(orm.em.fork(), '1m', CUT, 1000);
      expect(deleted).toBeGreaterThanOrEqual(2);

      expect(await buckets(c.id, '1m')).toEqual([2, 4, 5].map((m) => T(m).toISOString()));
      expect(await buckets(d.id, '1m')).toEqual([T(0).toISOString()]);
      // The other resolutions are not touched.
      expect(await buckets(c.id, '1h')).toEqual([T(0).toISOString()]);
      expect(await curves()).toEqual(before);
      // Nothing more to delete: a second pass removes none of these.
      await pruneEquity(orm.em.fork(), '1m', CUT, 1000);
      expect(await buckets(c.id, '1m')).toEqual([2, 4, 5].map((m) => T(m).toISOString()));
    });
  });

  describe('on a server whose time zone is not UTC', () => {
    // Buckets are UTC days (section 9), whatever the session's TimeZone: across a change of
    // daylight saving time (New York's ended on 2026-11-01) a day is still 24 hours of UTC.
    let local: MikroORM;
    beforeAll(async () => {
      const options = ormOptions({ url: testDatabaseUrl(), poolMax: 2 });
      local = await MikroORM.init({
        ...options,
        driverOptions: { connection: { ...options.driverOptions?.connection, options: '-c TimeZone=America/New_York' } },
      });
    });
    afterAll(async () => local.close());

    it('1d points stay at UTC midnights across a change of daylight saving time', async () => {
      const [zone] = await query<{ tz: string }>(local.em.fork(), 'select current_setting(?) as tz', ['TimeZone']);
      expect(zone?.tz).toBe('America/New_York');
      const caller = await newCaller(orm);
      const day = (d: string, hhmmss = '00:00:00') => new Date(`2026-${d}T${hhmmss}Z`);
      // 10-30 12:00 opens 10 @ 100, stop 98, fee 1: net −1, risk 20; 11-03 12:00 mark 103: total 30, net 29.
      const c = await campaign(caller, day('10-30', '12:00:00'));
      await open(caller, c.id, '100', '10', '98', '1', day('10-30', '12:00:10'));
      await tick(c.symbol, '103', day('11-03', '12:00:00'));
      const curve = await new EquityReads(local.em).campaign(
        caller.accountId,
        c.id,
        { from: day('10-30'), to: day('11-04'), interval: '1d' },
        day('11-04', '12:00:00'),
      );
      const opened = fig('0.00000000', '-1.00000000', '0.00000000', '0.00000000', '20.00000000');
      const marked = fig('30.00000000', '29.00000000', '0.00000000', '30.00000000', '20.00000000');
      expect(curve.points).toEqual([
        { t: day('10-30').toISOString(), ...opened },
        { t: day('10-31').toISOString(), ...opened },
        { t: day('11-01').toISOString(), ...opened },
        { t: day('11-02').toISOString(), ...opened },
        { t: day('11-03').toISOString(), ...marked },
        { t: day('11-04').toISOString(), ...marked },
      ]);
    });
  });

  const buckets = async (campaignId: string, resolution: string): Promise<string[]> =>
    (
      await query<{ bucket: Date | string }>(
        orm.em.fork(),
        'select bucket from campaign_equity where campaign_id = ? and resolution = ? order by bucket',
        [campaignId, resolution],
      )
    ).map((r) => asDate(r.bucket).toISOString());
});
