import { type Mark, markPositions } from '@cpt/application';
import { dec } from '@cpt/domain';
import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePosition, expectInvalid, get, post } from './api.js';
import { exitPosition } from './exits-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * `GET /api/v1/stats/patterns` (section 9) on a hand-worked set of closed positions. Every figure
 * below is worked out by hand from the positions' own stored figures:
 *
 * | pos | pattern | side  | entry / stop × shares | fees (entry + exits) | exits                 | realized | net    | initial risk | r           | ticks (max / min)  | mfe_r | mae_r | entry → closed (UTC)               | held   |
 * |-----|---------|-------|-----------------------|----------------------|-----------------------|----------|--------|--------------|-------------|--------------------|-------|-------|------------------------------------|--------|
 * | P1  | SPRING  | LONG  | 100 / 98 × 10         | 1 + 1                | 10 @ 103              | 30       | 28     | 20           | 1.4         | 104 / 99           | 2     | 0.5   | 11-09 23:00 → 11-10 00:00 (= from) | 3600   |
 * | P2  | SPRING  | LONG  | 50 / 49 × 3           | 0.25 + 0.25          | 3 @ 49.5              | −1.5     | −2     | 3            | −0.66666667 | 51 / 48.9          | 1     | 1.1   | 11-10 08:00 → 08:30:01             | 1801   |
 * | P3  | SPRING  | LONG  | 10 / 9 × 1            | 0                    | 1 @ 13                | 3        | 3      | 1            | 3           | 13.5 / –           | 3.5   | 0     | 11-09 11:59 → 12:00 (before from)  | 60     |
 * | P4  | SOS     | LONG  | 20 / 19.5 × 100       | 0                    | 100 @ 20              | 0        | 0 loss | 50           | 0           | 21.25 / 19.8       | 2.5   | 0.4   | 11-10 10:00 → 12:00                | 7200   |
 * | P5  | SOS     | LONG  | 20 / 19 × 7           | 0.07 + 0.03 + 0.04   | 3 @ 23, then 4 @ 22   | 9 + 8    | 16.86  | 7            | 2.40857143  | 23.5 / 19.9        | 3.5   | 0.1   | 11-11 09:00 → 12:00                | 10800  |
 * | P10 | SOS     | LONG  | 20 / 19 × 2           | 0                    | 2 @ 19                | −2       | −2     | 2            | −1          | – / 18.5           | 0     | 1.5   | 11-11 23:00 → 11-12 00:00 (= to)   | 3600   |
 * | P6  | LPS     | LONG  | 30 / 29 × 10          | 0                    | 10 @ 31               | 10       | 10     | 10           | 1           | 31.5 / 29.5        | 1.5   | 0.5   | 11-10 13:00 → 13:01                | 60     |
 * | P7  | LPS     | LONG  | 30 / 29 × 10          | 0                    | 10 @ 30.55            | 5.5      | 5.5    | 10           | 0.55        | none               | 0     | 0     | 11-10 14:00 → 14:02                | 120    |
 * | P8  | LPS     | LONG  | 30 / 29 × 10          | 1 + 1                | 10 @ 29               | −10      | −12    | 10           | −1.2        | 30.2 / 28.5        | 0.2   | 1.5   | 11-10 15:00 → 15:03:01             | 181    |
 * | P9  | SOW     | SHORT | 50 / 52 × 4           | 0.5 + 0.5            | 4 @ 48                | 8        | 7      | 8            | 0.875       | 47 (fav) / 51      | 1.5   | 0.5   | 11-10 06:00 → 11-11 06:00          | 86400  |
 *
 * P2's r: −2 / 3 = −0.666666666… → −0.66666667. P5's r: 16.86 / 7 = 2.408571428… → 2.40857143.
 * An OPEN UTAD position, and another account's closed SPRING, count nowhere.
 */

let gw: Gateway;
let other: TestKey;
beforeAll(async () => {
  gw = await startGateway();
  other = await createTestKey(gw.orm);
});
afterAll(async () => gw.close());

const FROM = '2026-11-10T00:00:00Z';
const TO = '2026-11-12T00:00:00Z';
const ts = (dayHhmmss: string) => `2026-${dayHhmmss}Z`;

interface Spec {
  side?: 'LONG' | 'SHORT';
  pattern: string;
  entry: string;
  stop: string;
  shares: string;
  entryFee?: string;
  entryDate: string;
  /** Ticks between the entry and the close, applied in one batch. */
  ticks?: [string, string][];
  /** Partial exits before the close. */
  exits?: { shares: string; price: string; date: string; fee: string }[];
  close?: { price: string; date: string; fee?: string };
  headers?: Record<string, string>;
}

/** Opens a position in a campaign of its own (its own symbol: its ticks reach no other), marks it, exits it. */
async function position(s: Spec): Promise<Record<string, unknown>> {
  const headers = s.headers ?? {};
  const symbol = uniqueSymbol('PST');
  const c = await post(
    gw.app,
    '/api/v1/campaigns',
    { name: `${s.pattern} ${symbol}`, symbol, timeframe: '1h', side: s.side ?? 'LONG' },
    headers,
  );
  expect(c.statusCode, c.body).toBe(201);
  const opened = await post(
    gw.app,
    `/api/v1/campaigns/${c.json().id}/positions`,
    {
      pattern_type: s.pattern,
      entry_price: s.entry,
      shares: s.shares,
      stop_loss: s.stop,
      entry_date: s.entryDate,
      ...(s.entryFee ? { entry_fee: s.entryFee } : {}),
    },
    headers,
  );
  expect(opened.statusCode, opened.body).toBe(201);
  const id = opened.json().id as string;
  if (s.ticks) {
    const r = await markPositions(
      gw.orm.em,
      s.ticks.map(([price, at]): Mark => ({ symbol, price: dec(price), ts: new Date(at) })),
    );
    expect(r.marked).toBe(1);
  }
  for (const x of s.exits ?? []) expect((await exitPosition(gw.app, id, x, headers)).statusCode).toBe(201);
  if (!s.close) return opened.json();
  const closed = await closePosition(
    gw.app,
    id,
    { exit_price: s.close.price, closed_date: s.close.date, ...(s.close.fee ? { fee: s.close.fee } : {}) },
    headers,
  );
  expect(closed.statusCode, closed.body).toBe(200);
  return closed.json();
}

/** The figures of a closed position the statistics average. */
const own = (p: Record<string, unknown>) => [p.status, p.net_pnl, p.r_multiple, p.mfe_r, p.mae_r];

const stats = async (query = '', headers: Record<string, string> = {}) => {
  const res = await get(gw.app, `/api/v1/stats/patterns${query}`, headers);
  expect(res.statusCode, res.body).toBe(200);
  expect(Object.keys(res.json())).toEqual(['items']);
  return res.json().items as Record<string, unknown>[];
};

const item = (
  pattern_type: string,
  closed_positions: number,
  wins: number,
  win_rate: string,
  avg_r_multiple: string,
  total_net_pnl: string,
  avg_holding_seconds: number,
  avg_mfe_r: string,
  avg_mae_r: string,
) => ({
  pattern_type,
  closed_positions,
  wins,
  losses: closed_positions - wins,
  win_rate,
  avg_r_multiple,
  total_net_pnl,
  avg_holding_seconds,
  avg_mfe_r,
  avg_mae_r,
});

describe('per-pattern statistics (section 9)', () => {
  beforeAll(async () => {
    // Each closed position's own figures first: [status, net_pnl, r_multiple, mfe_r, mae_r].
    const mine: [Spec, unknown[]][] = [
      [
        {
          pattern: 'SPRING',
          entry: '100',
          stop: '98',
          shares: '10',
          entryFee: '1',
          entryDate: ts('11-09T23:00:00'),
          ticks: [
            ['104', ts('11-09T23:10:00')],
            ['99', ts('11-09T23:20:00')],
          ],
          close: { price: '103', date: ts('11-10T00:00:00'), fee: '1' },
        },
        ['CLOSED', '28.00000000', '1.40000000', '2.00000000', '0.50000000'],
      ],
      [
        {
          pattern: 'SPRING',
          entry: '50',
          stop: '49',
          shares: '3',
          entryFee: '0.25',
          entryDate: ts('11-10T08:00:00'),
          ticks: [
            ['51', ts('11-10T08:10:00')],
            ['48.9', ts('11-10T08:20:00')],
          ],
          close: { price: '49.5', date: ts('11-10T08:30:01'), fee: '0.25' },
        },
        ['CLOSED', '-2.00000000', '-0.66666667', '1.00000000', '1.10000000'],
      ],
      [
        {
          pattern: 'SPRING',
          entry: '10',
          stop: '9',
          shares: '1',
          entryDate: ts('11-09T11:59:00'),
          ticks: [['13.5', ts('11-09T11:59:30')]],
          close: { price: '13', date: ts('11-09T12:00:00') },
        },
        ['CLOSED', '3.00000000', '3.00000000', '3.50000000', '0.00000000'],
      ],
      [
        {
          pattern: 'SOS',
          entry: '20',
          stop: '19.5',
          shares: '100',
          entryDate: ts('11-10T10:00:00'),
          ticks: [
            ['21.25', ts('11-10T10:30:00')],
            ['19.8', ts('11-10T11:00:00')],
          ],
          close: { price: '20', date: ts('11-10T12:00:00') },
        },
        ['CLOSED', '0.00000000', '0.00000000', '2.50000000', '0.40000000'],
      ],
      [
        {
          pattern: 'SOS',
          entry: '20',
          stop: '19',
          shares: '7',
          entryFee: '0.07',
          entryDate: ts('11-11T09:00:00'),
          ticks: [
            ['23.5', ts('11-11T09:30:00')],
            ['19.9', ts('11-11T10:00:00')],
          ],
          exits: [{ shares: '3', price: '23', date: ts('11-11T10:30:00'), fee: '0.03' }],
          close: { price: '22', date: ts('11-11T12:00:00'), fee: '0.04' },
        },
        ['CLOSED', '16.86000000', '2.40857143', '3.50000000', '0.10000000'],
      ],
      [
        {
          pattern: 'SOS',
          entry: '20',
          stop: '19',
          shares: '2',
          entryDate: ts('11-11T23:00:00'),
          ticks: [['18.5', ts('11-11T23:30:00')]],
          close: { price: '19', date: ts('11-12T00:00:00') },
        },
        ['CLOSED', '-2.00000000', '-1.00000000', '0.00000000', '1.50000000'],
      ],
      [
        {
          pattern: 'LPS',
          entry: '30',
          stop: '29',
          shares: '10',
          entryDate: ts('11-10T13:00:00'),
          ticks: [
            ['31.5', ts('11-10T13:00:20')],
            ['29.5', ts('11-10T13:00:40')],
          ],
          close: { price: '31', date: ts('11-10T13:01:00') },
        },
        ['CLOSED', '10.00000000', '1.00000000', '1.50000000', '0.50000000'],
      ],
      [
        {
          pattern: 'LPS',
          entry: '30',
          stop: '29',
          shares: '10',
          entryDate: ts('11-10T14:00:00'),
          close: { price: '30.55', date: ts('11-10T14:02:00') },
        },
        ['CLOSED', '5.50000000', '0.55000000', '0.00000000', '0.00000000'],
      ],
      [
        {
          pattern: 'LPS',
          entry: '30',
          stop: '29',
          shares: '10',
          entryFee: '1',
          entryDate: ts('11-10T15:00:00'),
          ticks: [
            ['30.2', ts('11-10T15:01:00')],
            ['28.5', ts('11-10T15:02:00')],
          ],
          close: { price: '29', date: ts('11-10T15:03:01'), fee: '1' },
        },
        ['CLOSED', '-12.00000000', '-1.20000000', '0.20000000', '1.50000000'],
      ],
      [
        {
          side: 'SHORT',
          pattern: 'SOW',
          entry: '50',
          stop: '52',
          shares: '4',
          entryFee: '0.5',
          entryDate: ts('11-10T06:00:00'),
          ticks: [
            ['47', ts('11-10T12:00:00')],
            ['51', ts('11-10T18:00:00')],
          ],
          close: { price: '48', date: ts('11-11T06:00:00'), fee: '0.5' },
        },
        ['CLOSED', '7.00000000', '0.87500000', '1.50000000', '0.50000000'],
      ],
      // OPEN: counted nowhere, so UTAD is left out.
      [
        { side: 'SHORT', pattern: 'UTAD', entry: '60', stop: '61', shares: '1', entryDate: ts('11-10T06:00:00') },
        ['OPEN', '0.00000000', '0.00000000', '0.00000000', '0.00000000'],
      ],
    ];
    for (const [spec, figures] of mine) expect(own(await position(spec))).toEqual(figures);
    // Another account's closed SPRING in the range: (20 − 10) × 100 = 1000, counted for that account only.
    const theirs = await position({
      pattern: 'SPRING',
      entry: '10',
      stop: '9',
      shares: '100',
      entryDate: ts('11-10T11:00:00'),
      close: { price: '20', date: ts('11-10T12:00:00') },
      headers: other.headers,
    });
    expect(own(theirs)).toEqual(['CLOSED', '1000.00000000', '10.00000000', '0.00000000', '0.00000000']);
  });

  // In [from, to): P1 (closed exactly at from) and P2; P4 and P5; P6, P7 and P8; P9. Not P3 (before
  // from) nor P10 (closed exactly at to).
  const SPRING_IN_RANGE = item(
    'SPRING',
    2,
    1, // P1 (28 > 0); P2 loses.
    '0.50000000', // 1 / 2
    '0.36666666', // (1.4 − 0.66666667) / 2 = 0.366666665, half-even to …66 (6 is even); half-up would say …67
    '26.00000000', // 28 − 2
    2700, // (3600 + 1801) / 2 = 2700.5, half-even to 2700
    '1.50000000', // (2 + 1) / 2
    '0.80000000', // (0.5 + 1.1) / 2
  );
  const SOS_IN_RANGE = item(
    'SOS',
    2,
    1, // P5; P4's net P&L is 0, and 0 is a loss.
    '0.50000000',
    '1.20428572', // (0 + 2.40857143) / 2 = 1.204285715, half-even to …72 (1 is odd)
    '16.86000000', // 0 + 16.86
    9000, // (7200 + 10800) / 2
    '3.00000000', // (2.5 + 3.5) / 2
    '0.25000000', // (0.4 + 0.1) / 2
  );
  const LPS = item(
    'LPS',
    3,
    2, // P6, P7; P8 loses.
    '0.66666667', // 2 / 3
    '0.11666667', // (1 + 0.55 − 1.2) / 3 = 0.35 / 3 = 0.1166666…
    '3.50000000', // 10 + 5.5 − 12
    120, // (60 + 120 + 181) / 3 = 120.33…
    '0.56666667', // (1.5 + 0 + 0.2) / 3 = 1.7 / 3
    '0.66666667', // (0.5 + 0 + 1.5) / 3 = 2 / 3
  );
  const SOW = item('SOW', 1, 1, '1.00000000', '0.87500000', '7.00000000', 86400, '1.50000000', '0.50000000');

  it('in [from, to): exact figures, in pattern order, without patterns that have no closed position', async () => {
    const items = await stats(`?from=${FROM}&to=${TO}`);
    expect(items).toEqual([SPRING_IN_RANGE, SOS_IN_RANGE, LPS, SOW]);
    for (const i of items) {
      expect(Object.keys(i)).toEqual([
        'pattern_type',
        'closed_positions',
        'wins',
        'losses',
        'win_rate',
        'avg_r_multiple',
        'total_net_pnl',
        'avg_holding_seconds',
        'avg_mfe_r',
        'avg_mae_r',
      ]);
    }
  });

  it('without bounds: every closed position of the account', async () => {
    expect(await stats()).toEqual([
      item(
        'SPRING',
        3,
        2, // P1, P3
        '0.66666667', // 2 / 3
        '1.24444444', // (1.4 − 0.66666667 + 3) / 3 = 3.73333333 / 3 = 1.2444444433…
        '29.00000000', // 28 − 2 + 3
        1820, // (3600 + 1801 + 60) / 3 = 1820.33…
        '2.16666667', // (2 + 1 + 3.5) / 3 = 6.5 / 3
        '0.53333333', // (0.5 + 1.1 + 0) / 3 = 1.6 / 3
      ),
      item(
        'SOS',
        3,
        1, // P5
        '0.33333333', // 1 / 3
        '0.46952381', // (0 + 2.40857143 − 1) / 3 = 1.40857143 / 3 = 0.46952381 exactly
        '14.86000000', // 0 + 16.86 − 2
        7200, // (7200 + 10800 + 3600) / 3
        '2.00000000', // (2.5 + 3.5 + 0) / 3
        '0.66666667', // (0.4 + 0.1 + 1.5) / 3 = 2 / 3
      ),
      LPS,
      SOW,
    ]);
  });

  it('honours each bound alone: closed_date ≥ from, closed_date < to', async () => {
    // Before 11-10 00:00: P3 only (P1 closed exactly at that instant: not before it).
    expect(await stats(`?to=${FROM}`)).toEqual([
      item('SPRING', 1, 1, '1.00000000', '3.00000000', '3.00000000', 60, '3.50000000', '0.00000000'),
    ]);
    // From 11-12 00:00: P10 only, closed exactly then.
    expect(await stats(`?from=${TO}`)).toEqual([
      item('SOS', 1, 0, '0.00000000', '-1.00000000', '-2.00000000', 3600, '0.00000000', '1.50000000'),
    ]);
    // An empty range: no item at all.
    expect(await stats(`?from=${TO}&to=${TO}`)).toEqual([]);
  });

  it('side keeps the patterns of that side', async () => {
    expect(await stats(`?side=LONG&from=${FROM}&to=${TO}`)).toEqual([SPRING_IN_RANGE, SOS_IN_RANGE, LPS]);
    expect(await stats('?side=SHORT')).toEqual([SOW]);
    expectInvalid(await get(gw.app, '/api/v1/stats/patterns?side=FLAT'), 'side');
    expectInvalid(await get(gw.app, '/api/v1/stats/patterns?from=2026-11-10T00:00:00'), 'from');
  });

  it("another account's positions are never counted, and it sees its own only", async () => {
    expect(await stats(`?from=${FROM}&to=${TO}`, other.headers)).toEqual([
      item('SPRING', 1, 1, '1.00000000', '10.00000000', '1000.00000000', 3600, '0.00000000', '0.00000000'),
    ]);
  });
});
