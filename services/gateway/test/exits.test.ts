import { randomUUID } from 'node:crypto';
import type { PositionJson } from '@cpt/contracts';
import { createTestKey, type TestKey } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { at, closePosition, createCampaign, expectError, expectInvalid, get, moveStop, openPosition, positionsOf, post } from './api.js';
import { eventsOf, exitPosition, expectExit, figuresOf, totals8In } from './exits-support.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

/**
 * `POST /api/v1/positions/{id}/exits` (section 8): what it refuses and how, what it changes when
 * it refuses (nothing), and what it records when it accepts (the journal entry, the version, the
 * event).
 */

let gw: Gateway;
/** A key of another account. */
let stranger: TestKey;
beforeAll(async () => {
  gw = await startGateway();
  stranger = await createTestKey(gw.orm);
});
afterAll(async () => gw?.close());

/** A campaign with one OPEN LONG position: 100 @ 50, stop 45, entered at 09:00. */
async function longPosition(over: Record<string, unknown> = {}) {
  const c = await createCampaign(gw.app, { symbol: uniqueSymbol('EX') });
  const p = await openPosition(gw.app, c.id, {
    pattern_type: 'SPRING',
    shares: '100',
    entry_price: '50',
    stop_loss: '45',
    entry_date: at('09:00'),
    ...over,
  });
  return { campaignId: c.id as string, positionId: p.id as string };
}

/** Everything a refused command must leave as it was: the positions with their exits and totals, and the journal. */
async function stateOf(campaignId: string) {
  const [positions, journal] = await Promise.all([
    get(gw.app, `/api/v1/campaigns/${campaignId}/positions`),
    get(gw.app, `/api/v1/campaigns/${campaignId}/journal?limit=200`),
  ]);
  expect([positions.statusCode, journal.statusCode]).toEqual([200, 200]);
  return { positions: positions.json(), journal: journal.json() };
}

describe('POST /api/v1/positions/{id}/exits: validation', () => {
  it('refuses more shares than open_shares with 422 on shares, before and after a partial exit, and changes nothing', async () => {
    const { campaignId, positionId } = await longPosition();
    const before = await stateOf(campaignId);
    const details = expectInvalid(
      await exitPosition(gw.app, positionId, { shares: '100.00000001', price: '55', date: at('10:00') }),
      'shares',
    );
    expect(details[0]?.message).toMatch(/open_shares/);
    expect(await stateOf(campaignId)).toEqual(before);

    expectExit(await exitPosition(gw.app, positionId, { shares: '40', price: '55', date: at('10:00') }), 3);
    const reduced = await stateOf(campaignId);
    expectInvalid(await exitPosition(gw.app, positionId, { shares: '61', price: '55', date: at('10:30') }), 'shares');
    expectInvalid(await exitPosition(gw.app, positionId, { shares: '100', price: '55', date: at('10:30') }), 'shares');
    expect(await stateOf(campaignId)).toEqual(reduced);
    // Exactly the 60 still open is allowed, and closes it.
    const last = expectExit(await exitPosition(gw.app, positionId, { shares: '60', price: '55', date: at('10:30') }), 4);
    expect([last.position.status, last.position.open_shares]).toEqual(['CLOSED', '0.00000000']);
  });

  it.each([
    ['shares 0', { shares: '0' }, 'shares'],
    ['negative shares', { shares: '-1' }, 'shares'],
    ['shares as the number 0', { shares: 0 }, 'shares'],
    ['price 0', { price: '0' }, 'price'],
    ['a negative price', { price: '-55' }, 'price'],
    ['a negative fee', { fee: '-0.01' }, 'fee'],
    ['a negative fee as a number', { fee: -1 }, 'fee'],
    ['shares with 9 fractional digits', { shares: '1.000000001' }, 'shares'],
    ['a price in exponent notation', { price: '5.5e1' }, 'price'],
    ['a date without an offset', { date: '2026-11-20T10:00:00' }, 'date'],
    ['an unknown field `fees`', { fees: '1.00' }, 'fees'],
    ['the close command’s `exit_price`', { exit_price: '55' }, 'exit_price'],
  ])('refuses %s with 422 naming it, and changes nothing', async (_what, over, path) => {
    const { campaignId, positionId } = await longPosition();
    const before = await stateOf(campaignId);
    const details = expectInvalid(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('10:00'), ...over }), path);
    if (path === 'fees' || path === 'exit_price') expect(details[0]?.message).toBe('unknown field');
    expect(await stateOf(campaignId)).toEqual(before);
  });

  it('says `required` for missing shares and price', async () => {
    const { campaignId, positionId } = await longPosition();
    const before = await stateOf(campaignId);
    const details = expectInvalid(await exitPosition(gw.app, positionId, { date: at('10:00') }), 'shares', 'price');
    expect(details.map((d) => d.message)).toEqual(['required', 'required']);
    expect(await stateOf(campaignId)).toEqual(before);
  });

  it('refuses a body that is not JSON with 400 and a malformed id with 422', async () => {
    const { positionId } = await longPosition();
    expectError(await exitPosition(gw.app, positionId, '{"shares": 1,'), 400, 'bad_request');
    expectInvalid(await exitPosition(gw.app, 'not-a-uuid', { shares: '1', price: '1' }), 'id');
  });

  it('refuses a date before entry_date, before the last exit, or more than 60 s ahead with 422 on date', async () => {
    const { campaignId, positionId } = await longPosition();
    const before = await stateOf(campaignId);
    const details = expectInvalid(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('08:59') }), 'date');
    expect(details[0]?.message).toMatch(/entry_date/);
    // One millisecond before the entry.
    expectInvalid(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: '2026-11-20T08:59:59.999Z' }), 'date');
    const ahead = new Date(Date.now() + 5 * 60_000).toISOString();
    expectInvalid(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: ahead }), 'date');
    expect(await stateOf(campaignId)).toEqual(before);

    // At the entry itself is allowed.
    expectExit(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('09:00') }), 3);
    expectExit(await exitPosition(gw.app, positionId, { shares: '10', price: '56', date: at('11:00') }), 4);
    const reduced = await stateOf(campaignId);
    const early = expectInvalid(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('10:59') }), 'date');
    expect(early[0]?.message).toMatch(/last exit/);
    // The close checks its closed_date the same way.
    expectInvalid(await closePosition(gw.app, positionId, { exit_price: '55', closed_date: at('10:00') }), 'closed_date');
    expect(await stateOf(campaignId)).toEqual(reduced);
    // At the last exit's date is allowed.
    expectExit(await exitPosition(gw.app, positionId, { shares: '10', price: '57', date: at('11:00') }), 5);
  });

  it('takes now as the date and 0 as the fee when they are left out', async () => {
    const { positionId } = await longPosition();
    const from = Date.now();
    const { exit, position } = expectExit(await exitPosition(gw.app, positionId, { shares: '25', price: '52.5' }), 3);
    const to = Date.now();
    expect(Date.parse(exit.date)).toBeGreaterThanOrEqual(from - 1);
    expect(Date.parse(exit.date)).toBeLessThanOrEqual(to + 1);
    // (52.5 − 50) × 25 = 62.5
    expect(exit).toMatchObject({ shares: '25.00000000', price: '52.50000000', fee: '0.00000000', realized_pnl: '62.50000000' });
    expect(position).toMatchObject({ fees: '0.00000000', open_shares: '75.00000000', realized_pnl: '62.50000000' });
  });

  it('rounds an exit’s realized_pnl once, half-even, and sums the rounded exits into the position’s', async () => {
    const { positionId } = await longPosition({ entry_price: '10', stop_loss: '9' });
    // (10.00000001 − 10) × 0.5 = 0.000000005 → 0.00000000 (half-up would give 0.00000001)
    const a = expectExit(await exitPosition(gw.app, positionId, { shares: '0.5', price: '10.00000001', date: at('10:00') }), 3);
    expect(a.exit.realized_pnl).toBe('0.00000000');
    // (10.00000003 − 10) × 0.5 = 0.000000015 → 0.00000002
    const b = expectExit(await exitPosition(gw.app, positionId, { shares: '0.5', price: '10.00000003', date: at('10:00') }), 4);
    expect(b.exit.realized_pnl).toBe('0.00000002');
    // 0 + 0.00000002: the sum of the stored exits, not the exact 0.00000002
    expect(b.position.realized_pnl).toBe('0.00000002');
    // Two exits at the same date: listed by date, then id.
    const ids = [a.exit.id, b.exit.id].sort();
    expect((b.position.exits as { id: string }[]).map((e) => e.id)).toEqual(ids);
  });
});

describe('POST /api/v1/positions/{id}/exits: conflicts and access', () => {
  it('answers 409 conflict for an exit of a CLOSED position, closed by exits or by close', async () => {
    const byExits = await longPosition();
    expectExit(await exitPosition(gw.app, byExits.positionId, { shares: '100', price: '55', date: at('10:00') }), 3);
    const byClose = await longPosition();
    expect((await closePosition(gw.app, byClose.positionId, { exit_price: '55', closed_date: at('10:00') })).statusCode).toBe(200);
    for (const { campaignId, positionId } of [byExits, byClose]) {
      const before = await stateOf(campaignId);
      expectError(await exitPosition(gw.app, positionId, { shares: '1', price: '55', date: at('11:00') }), 409, 'conflict');
      // Shares beyond the (zero) open shares: still the conflict, the state comes first.
      expectError(await exitPosition(gw.app, positionId, { shares: '200', price: '55', date: at('11:00') }), 409, 'conflict');
      expectError(await closePosition(gw.app, positionId, { exit_price: '55', closed_date: at('11:00') }), 409, 'conflict');
      expectError(await moveStop(gw.app, positionId, { stop_loss: '48' }), 409, 'conflict');
      expect(await stateOf(campaignId)).toEqual(before);
    }
  });

  it('answers 404 for another account’s position and for an unknown one, and changes nothing', async () => {
    const { campaignId, positionId } = await longPosition();
    const before = await stateOf(campaignId);
    const res = await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('10:00') }, stranger.headers);
    expectError(res, 404, 'not_found');
    expect(res.body).not.toContain(campaignId);
    expectError(await exitPosition(gw.app, randomUUID(), { shares: '10', price: '55', date: at('10:00') }), 404, 'not_found');
    expect(await stateOf(campaignId)).toEqual(before);
  });

  it('refuses a stale If-Match with 409 version_conflict carrying the current version, and changes nothing', async () => {
    const { campaignId, positionId } = await longPosition();
    const before = await stateOf(campaignId);
    expect(before.positions.version).toBe(2);
    for (const stale of ['"1"', '"3"']) {
      const error = expectError(
        await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('10:00') }, { 'if-match': stale }),
        409,
        'version_conflict',
      );
      expect(error.details).toEqual({ current_version: 2 });
    }
    expect(await stateOf(campaignId)).toEqual(before);
    expectExit(await exitPosition(gw.app, positionId, { shares: '10', price: '55', date: at('10:00') }, { 'if-match': '"2"' }), 3);
    expectExit(await exitPosition(gw.app, positionId, { shares: '90', price: '55', date: at('10:00') }, { 'if-match': '"3"' }), 4);
  });
});

describe('what an exit records', () => {
  it('journals position_reduced and position_closed with the accepted values, one version per exit, and records the matching events', async () => {
    const { orm } = gw;
    const { campaignId, positionId } = await longPosition({ entry_fee: '0.5' });
    const rid = (what: string) => `exits-${what}-${randomUUID().slice(0, 8)}`;
    const ids = { reduce: rid('reduce'), close: rid('close'), second: rid('second') };
    const other = await openPosition(gw.app, campaignId, {
      pattern_type: 'SOS',
      shares: '10',
      entry_price: '52',
      stop_loss: '50',
      entry_date: at('09:30'),
    });

    const { result, events } = await eventsOf(orm, campaignId, async () => {
      // Sent as the contract allows (numbers, an offset); journaled in contract form.
      const reduce = expectExit(
        await post(
          gw.app,
          `/api/v1/positions/${positionId}/exits`,
          '{"shares":30,"price":"55.5","date":"2026-11-20T11:00:00+01:00","fee":0.25}',
          { 'x-request-id': ids.reduce },
        ),
        4,
      );
      const close = expectExit(
        await exitPosition(
          gw.app,
          positionId,
          { shares: '70', price: '56', date: at('10:30'), fee: '0.75' },
          { 'x-request-id': ids.close },
        ),
        5,
      );
      const closeOther = await closePosition(
        gw.app,
        other.id,
        { exit_price: '51', closed_date: at('10:45'), fee: '0.1' },
        { 'x-request-id': ids.second },
      );
      expect([closeOther.statusCode, closeOther.headers.etag]).toEqual([200, '"6"']);
      return { reduce, close, closeOther: closeOther.json() };
    });

    // One version per exit: 2 (opened), 3 (the SOS), 4, 5, 6.
    const view = await positionsOf(gw.app, campaignId);
    expect(view.version).toBe(6);

    const journal = (await get(gw.app, `/api/v1/campaigns/${campaignId}/journal?limit=3`)).json();
    expect(journal.items.map(({ id: _id, at: _at, ...rest }: Record<string, unknown>) => rest)).toEqual([
      {
        action: 'position_closed',
        version: 6,
        position_id: other.id,
        key_id: gw.key.keyId,
        key_name: 'test key',
        request_id: ids.second,
        details: {
          exit_id: (result.closeOther.exits as { id: string }[])[0]?.id,
          shares: '10.00000000',
          exit_price: '51.00000000',
          closed_date: at('10:45'),
          fee: '0.10000000',
        },
      },
      {
        action: 'position_closed',
        version: 5,
        position_id: positionId,
        key_id: gw.key.keyId,
        key_name: 'test key',
        request_id: ids.close,
        details: { exit_id: result.close.exit.id, shares: '70.00000000', price: '56.00000000', date: at('10:30'), fee: '0.75000000' },
      },
      {
        action: 'position_reduced',
        version: 4,
        position_id: positionId,
        key_id: gw.key.keyId,
        key_name: 'test key',
        request_id: ids.reduce,
        details: { exit_id: result.reduce.exit.id, shares: '30.00000000', price: '55.50000000', date: at('10:00'), fee: '0.25000000' },
      },
    ]);

    // The outbox: one event per exit, with the next seq, the new version, the reason, whole
    // positions, and the totals the reads show.
    const mine = events.filter((e) => e.version >= 4);
    expect(mine.map((e) => [e.version, e.reason])).toEqual([
      [4, 'position_reduced'],
      [5, 'position_closed'],
      [6, 'position_closed'],
    ]);
    const seqs = mine.map((e) => e.seq);
    expect(seqs).toEqual([seqs[0], (seqs[0] as number) + 1, (seqs[0] as number) + 2]);
    expect(mine.map((e) => e.changed_positions.map((p) => [p.id, (p as PositionJson).status, (p as PositionJson).open_shares]))).toEqual([
      [[positionId, 'OPEN', '70.00000000']],
      [[positionId, 'CLOSED', '0.00000000']],
      [[other.id, 'CLOSED', '0.00000000']],
    ]);
    expect(figuresOf(mine[1]?.changed_positions[0] as unknown as Record<string, unknown>)).toEqual(figuresOf(result.close.position));
    expect(totals8In(mine[2]?.totals as unknown as Record<string, unknown>)).toEqual(totals8In(view));
    // Net of the fees: (55.5 − 50) × 30 + (56 − 50) × 70 + (51 − 52) × 10 − (0.5 + 0.25 + 0.75 + 0.1) = 165 + 420 − 10 − 1.6
    expect(totals8In(view)).toMatchObject({ realized_pnl: '575.00000000', total_fees: '1.60000000', net_pnl: '573.40000000' });
  });
});
