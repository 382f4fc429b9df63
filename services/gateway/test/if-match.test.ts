import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPosition, at, closeCampaign, closePosition, createCampaign, expectError, moveStop, openPosition, positionsOf } from './api.js';
import { type Gateway, startGateway, uniqueSymbol } from './support.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw.close());

const entry = (over: Record<string, unknown> = {}) => ({
  pattern_type: 'SPRING',
  entry_price: '10',
  shares: '5',
  stop_loss: '9',
  entry_date: at('10:00'),
  ...over,
});

function expectVersionConflict(res: Awaited<ReturnType<typeof addPosition>>, current: number) {
  const error = expectError(res, 409, 'version_conflict');
  expect(error.details).toEqual({ current_version: current });
}

describe('If-Match on commands', () => {
  it('applies a command whose If-Match names the current version and answers the new ETag', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const res = await addPosition(gw.app, c.id, entry(), { 'if-match': '"1"' });
    expect([res.statusCode, res.headers.etag]).toEqual([201, '"2"']);
  });

  it('refuses a stale If-Match with 409 version_conflict carrying the current version, and changes nothing', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    await openPosition(gw.app, c.id, entry());
    const before = await positionsOf(gw.app, c.id);
    expectVersionConflict(await addPosition(gw.app, c.id, entry({ shares: '7' }), { 'if-match': '"1"' }), 2);
    expectVersionConflict(await addPosition(gw.app, c.id, entry({ shares: '7' }), { 'if-match': '"3"' }), 2);
    expect(await positionsOf(gw.app, c.id)).toEqual(before);
  });

  it('accepts a weak tag W/"n"', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const first = await addPosition(gw.app, c.id, entry(), { 'if-match': 'W/"1"' });
    expect([first.statusCode, first.headers.etag]).toEqual([201, '"2"']);
    expectVersionConflict(await addPosition(gw.app, c.id, entry(), { 'if-match': 'W/"1"' }), 2);
  });

  it('treats an If-Match that names no version as a mismatch', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    expectVersionConflict(await addPosition(gw.app, c.id, entry(), { 'if-match': '"abc"' }), 1);
    expect((await positionsOf(gw.app, c.id)).positions).toEqual([]);
  });

  it('guards stop moves, closes and the campaign close the same way', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, entry());
    const before = await positionsOf(gw.app, c.id);
    expectVersionConflict(await moveStop(gw.app, p.id, { stop_loss: '9.5' }, { 'if-match': '"1"' }), 2);
    expectVersionConflict(await closePosition(gw.app, p.id, { exit_price: '11', closed_date: at('11:00') }, { 'if-match': '"1"' }), 2);
    expect(await positionsOf(gw.app, c.id)).toEqual(before);

    const moved = await moveStop(gw.app, p.id, { stop_loss: '9.5' }, { 'if-match': '"2"' });
    expect([moved.statusCode, moved.headers.etag, moved.json().stop_loss]).toEqual([200, '"3"', '9.50000000']);
    const closed = await closePosition(gw.app, p.id, { exit_price: '11', closed_date: at('11:00') }, { 'if-match': '"3"' });
    expect([closed.statusCode, closed.headers.etag, closed.json().status]).toEqual([200, '"4"', 'CLOSED']);

    expectVersionConflict(await closeCampaign(gw.app, c.id, { 'if-match': '"3"' }), 4);
    expect((await positionsOf(gw.app, c.id)).version).toBe(4);
    const done = await closeCampaign(gw.app, c.id, { 'if-match': '"4"' });
    expect([done.statusCode, done.headers.etag, done.json().status, done.json().version]).toEqual([200, '"5"', 'CLOSED', 5]);
  });
});

describe('concurrent commands', () => {
  it('lets exactly one of 20 concurrent adds with the same If-Match through', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => addPosition(gw.app, c.id, entry({ shares: String(i + 1) }), { 'if-match': '"1"' })),
    );
    const won = answers.filter((r) => r.statusCode === 201);
    const lost = answers.filter((r) => r.statusCode !== 201);
    expect(won).toHaveLength(1);
    expect(won[0]?.headers.etag).toBe('"2"');
    expect(lost).toHaveLength(19);
    for (const r of lost) expectVersionConflict(r, 2);
    const view = await positionsOf(gw.app, c.id);
    expect(view.version).toBe(2);
    expect(view.positions.map((p: { id: string }) => p.id)).toEqual([won[0]?.json().id]);
    expect(view.total_shares).toBe(won[0]?.json().shares);
  });

  it('applies all of 20 concurrent adds without If-Match, each with its own version, totals exact', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    // Prices 100..119, 10 shares each, stops 1 below: sum(price x 10) / 200 = 109.5, risk 20 x 10.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        addPosition(gw.app, c.id, entry({ entry_price: String(100 + i), stop_loss: String(99 + i), shares: '10' })),
      ),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const tags = answers.map((r) => Number(JSON.parse(r.headers.etag as string))).sort((a, b) => a - b);
    expect(tags).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const view = await positionsOf(gw.app, c.id);
    expect(view).toMatchObject({
      version: 21,
      total_shares: '200.00000000',
      weighted_avg_entry: '109.50000000',
      total_risk: '200.00000000',
      unrealized_pnl: '0.00000000',
      open_positions_count: 20,
    });
  });

  it('serialises concurrent closes of one position: one 200, the rest 409 conflict', async () => {
    const c = await createCampaign(gw.app, { symbol: uniqueSymbol() });
    const p = await openPosition(gw.app, c.id, entry());
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => closePosition(gw.app, p.id, { exit_price: String(11 + i), closed_date: at('11:00') })),
    );
    const ok = answers.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(1);
    for (const r of answers.filter((x) => x.statusCode !== 200)) expectError(r, 409, 'conflict');
    const view = await positionsOf(gw.app, c.id);
    expect([view.version, view.realized_pnl, view.closed_positions_count]).toEqual([3, ok[0]?.json().realized_pnl, 1]);
  });
});
