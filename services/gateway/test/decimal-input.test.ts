import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, at, closePosition, createCampaign, expectInvalid, moveStop, openPosition, positionsOf } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
let campaignId: string;
beforeAll(async () => {
  gw = await startGateway();
  campaignId = (await createCampaign(gw.app, { symbol: uniqueSymbol() })).id;
});
afterAll(async () => gw.close());

/** A position body as raw JSON text, with `entry_price` written exactly as given. */
const rawBody = (entryPrice: string, rest = '"shares": "1", "stop_loss": "0.5"') =>
  `{"pattern_type": "SPRING", "entry_price": ${entryPrice}, ${rest}, "entry_date": "${at('10:00')}"}`;

describe('decimal input (contract section 1)', () => {
  it.each([
    ['a JSON number with 10 integer and 8 fractional digits', '1234567890.12345678', '1234567890.12345678'],
    ['a JSON number', '1.2575', '1.25750000'],
    ['a JSON integer', '7', '7.00000000'],
    ['a string', '"1.2575"', '1.25750000'],
    ['a string with 8 fractional digits', '"0.00000002"', '0.00000002'],
    ['a string with trailing zeros', '"2.10000000"', '2.10000000'],
  ])('accepts %s: %s', async (_what, text, stored) => {
    const rest = '"shares": "1", "stop_loss": "0.00000001"';
    const res = await addPosition(gw.app, campaignId, rawBody(text, rest));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ entry_price: stored, current_price: stored, shares: '1.00000000', stop_loss: '0.00000001' });
  });

  it('keeps every digit of a JSON number in the totals', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const body = '{"pattern_type": "SPRING", "entry_price": 1.23456789, "shares": 3, "stop_loss": 1.23456788}';
    expect((await addPosition(gw.app, c.id, body)).statusCode).toBe(201);
    expect(await positionsOf(gw.app, c.id)).toMatchObject({
      total_shares: '3.00000000',
      weighted_avg_entry: '1.23456789',
      total_risk: '0.00000003',
    });
  });

  it.each([
    ['more than 8 fractional digits (string)', '"1.123456789"'],
    ['more than 8 fractional digits (number)', '1.123456789'],
    ['11 integer digits (string)', '"12345678901"'],
    ['11 integer digits (number)', '12345678901'],
    ['an exponent (number)', '1e5'],
    ['an exponent (string)', '"1e5"'],
    ['a negative exponent (number)', '15E-1'],
    ['"NaN"', '"NaN"'],
    ['"Infinity"', '"Infinity"'],
    ['an empty string', '""'],
    ['null', 'null'],
    ['a boolean', 'true'],
    ['an object', '{"value": "1"}'],
    ['a string with spaces', '" 1.5"'],
    ['a leading plus', '"+1.5"'],
    ['a bare fraction', '".5"'],
    ['hexadecimal', '"0x10"'],
    ['zero', '"0"'],
    ['a negative amount', '-1.5'],
    ['a negative zero', '"-0"'],
  ])('rejects %s with 422 naming entry_price', async (_what, text) => {
    expectInvalid(await addPosition(gw.app, campaignId, rawBody(text)), 'entry_price');
  });

  it('names every broken field at once', async () => {
    const body = '{"pattern_type": "SPRING", "entry_price": "abc", "shares": 0, "stop_loss": 1e2}';
    expectInvalid(await addPosition(gw.app, campaignId, body), 'entry_price', 'shares', 'stop_loss');
  });

  it('requires the amounts', async () => {
    expectInvalid(await addPosition(gw.app, campaignId, { pattern_type: 'SPRING' }), 'entry_price', 'shares', 'stop_loss');
  });

  it('applies the same rules to stop_loss on PATCH and exit_price on close', async () => {
    const p = await openPosition(gw.app, campaignId, {
      pattern_type: 'SPRING',
      entry_price: '2',
      shares: '1',
      stop_loss: '1',
      entry_date: at('09:00'),
    });
    for (const text of ['1e0', '"1.000000001"', '"-1"', '0', 'null', '"NaN"']) {
      expectInvalid(await moveStop(gw.app, p.id, `{"stop_loss": ${text}}`), 'stop_loss');
      expectInvalid(await closePosition(gw.app, p.id, `{"exit_price": ${text}}`), 'exit_price');
    }
    const moved = await moveStop(gw.app, p.id, '{"stop_loss": 1.5}');
    expect([moved.statusCode, moved.json().stop_loss]).toEqual([200, '1.50000000']);
    const closed = await closePosition(gw.app, p.id, `{"exit_price": 2.12345678, "closed_date": "${at('09:30')}"}`);
    expect([closed.statusCode, closed.json().exit_price, closed.json().realized_pnl]).toEqual([200, '2.12345678', '0.12345678']);
  });
});

describe('timestamp input (contract section 1)', () => {
  it.each([
    ['without an offset', '2026-11-20T10:00:00'],
    ['without an offset, with milliseconds', '2026-11-20T10:00:00.000'],
    ['a date only', '2026-11-20'],
    ['a space instead of T', '2026-11-20 10:00:00Z'],
    ['an impossible day', '2026-02-30T10:00:00Z'],
    ['an impossible hour', '2026-11-20T24:00:00Z'],
    ['epoch milliseconds', 1795000000000],
    ['an empty string', ''],
  ])('rejects an entry_date %s with 422', async (_what, value) => {
    const res = await addPosition(gw.app, campaignId, {
      pattern_type: 'SPRING',
      entry_price: '2',
      shares: '1',
      stop_loss: '1',
      entry_date: value,
    });
    expectInvalid(res, 'entry_date');
  });

  it('stores a +01:00 entry and close in UTC and answers them with Z and milliseconds', async () => {
    const p = await openPosition(gw.app, campaignId, {
      pattern_type: 'SPRING',
      entry_price: '2',
      shares: '1',
      stop_loss: '1',
      entry_date: '2026-11-20T15:00:00+01:00',
    });
    expect(p.entry_date).toBe('2026-11-20T14:00:00.000Z');
    const closed = await closePosition(gw.app, p.id, { exit_price: '3', closed_date: '2026-11-20T10:30:00.5-05:30' });
    expect(closed.json().closed_date).toBe('2026-11-20T16:00:00.500Z');
    const listed = (await positionsOf(gw.app, campaignId)).positions.find((x: { id: string }) => x.id === p.id);
    expect([listed.entry_date, listed.closed_date]).toEqual(['2026-11-20T14:00:00.000Z', '2026-11-20T16:00:00.500Z']);
  });

  it('rejects a closed_date without an offset with 422', async () => {
    const p = await openPosition(gw.app, campaignId, {
      pattern_type: 'SPRING',
      entry_price: '2',
      shares: '1',
      stop_loss: '1',
      entry_date: at('09:00'),
    });
    expectInvalid(await closePosition(gw.app, p.id, { exit_price: '3', closed_date: '2026-11-20T10:00:00' }), 'closed_date');
  });
});
