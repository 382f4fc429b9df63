import { type CampaignUpdated, campaignUpdatedSchema, MARK_FIELDS, type PositionJson } from '@cpt/contracts';
import { type Caller, dec, type Side } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, CampaignReads, type Mark, type MarkResult, markPositions } from '../src/index.js';
import { at, campaignState, newCaller, newCampaign, openTestOrm, uniqueSymbol } from './support.js';

/**
 * Stops that act (section 8) in the marks: the first tick at or through a stop breaches it, and
 * in a campaign with `auto_exit_on_stop` exits the position at that tick, in the marks'
 * transaction. Figures are exact decimal text; every tick carries a request id of its own.
 */

const tick = (symbol: string, price: string, second: number, requestId = `req-${symbol}-${second}`): Mark => ({
  symbol,
  price: dec(price),
  ts: at(second),
  requestId,
});
const utc = (second: number) => at(second).toISOString();

describe('stops that act (contract section 8)', () => {
  let orm: MikroORM;
  let caller: Caller;
  let commands: CampaignCommands;
  let reads: CampaignReads;
  beforeAll(async () => {
    orm = await openTestOrm();
    caller = await newCaller(orm);
    commands = new CampaignCommands(orm.em);
    reads = new CampaignReads(orm.em);
  });
  afterAll(async () => orm.close());

  /** A campaign of one position (10 shares, entered at second 0), exiting at stops when `auto`. */
  async function onePosition(side: Side, entry: string, stop: string, auto: boolean, symbol = uniqueSymbol('S')) {
    const c = await newCampaign(commands, caller, side, symbol);
    // Set in the column itself: what the marks read, whichever command sets it.
    if (auto) await query(orm.em.fork(), 'update campaigns set auto_exit_on_stop = true where id = ?', [c.id]);
    const r = await commands.addPosition(caller, c.id, {
      patternType: side === 'LONG' ? 'SPRING' : 'UTAD',
      entryPrice: dec(entry),
      shares: dec('10'),
      stopLoss: dec(stop),
      entryDate: at(0),
    });
    return { campaignId: c.id, positionId: r.position.id, symbol: c.symbol, version: r.version };
  }

  const view = (campaignId: string) => reads.getCampaignPositions(caller.accountId, campaignId, { includeClosed: true });
  const positionOf = async (campaignId: string) => (await view(campaignId)).data.positions[0] as PositionJson;
  const eventOf = (r: MarkResult, campaignId: string): CampaignUpdated => {
    const e = r.events.find((x) => x.campaign_id === campaignId);
    if (!e) throw new Error(`no event for ${campaignId}`);
    return campaignUpdatedSchema.parse(e);
  };
  const mark = (marks: Mark[]) => markPositions(orm.em, marks);

  it('LONG stop 95, ticks 97, 94.50, 96 in one batch: breached at the 94.50 tick, marked by 96, risk unchanged', async () => {
    const p = await onePosition('LONG', '100', '95', false);
    const r = await mark([tick(p.symbol, '97', 1), tick(p.symbol, '94.5', 2), tick(p.symbol, '96', 3)]);
    expect([r.breached, r.stopExits, r.perTick]).toEqual([1, [], 0]);
    const got = await positionOf(p.campaignId);
    expect(got).toMatchObject({
      status: 'OPEN',
      stop_breached_at: utc(2),
      stop_breach_price: '94.50000000',
      current_price: '96.00000000',
      current_pnl: '-40.00000000',
      marked_at: utc(3),
      max_favorable_price: '100.00000000',
      max_adverse_price: '94.50000000',
    });
    const { data } = await view(p.campaignId);
    // (100 − 95) × 10: a breach changes no risk.
    expect([data.breached_positions_count, data.total_risk, data.version]).toEqual([1, '50.00000000', p.version]);
    // The compact update carries the breach.
    const e = eventOf(r, p.campaignId);
    expect(e).toMatchObject({ reason: 'marked', version: p.version, totals: { breached_positions_count: 1, total_risk: '50.00000000' } });
    expect(e.changed_positions).toEqual([Object.fromEntries((['id', ...MARK_FIELDS] as const).map((f) => [f, got[f]]))]);
    // Breached once: a later tick through the stop changes the mark only.
    await mark([tick(p.symbol, '90', 4)]);
    expect(await positionOf(p.campaignId)).toMatchObject({
      stop_breached_at: utc(2),
      stop_breach_price: '94.50000000',
      current_price: '90.00000000',
    });
  });

  it('with auto_exit_on_stop, exits every share at the 94.50 tick: CLOSED, not marked by 96, journaled as stop_exit', async () => {
    const p = await onePosition('LONG', '100', '95', true);
    const before = await campaignState(orm.em, p.campaignId);
    const r = await mark([tick(p.symbol, '97', 1), tick(p.symbol, '94.5', 2, 'req-dip'), tick(p.symbol, '96', 3)]);
    expect([r.breached, r.stopExits.length, r.perTick]).toEqual([1, 1, 1]);
    const got = await positionOf(p.campaignId);
    expect(got).toMatchObject({
      status: 'CLOSED',
      open_shares: '0.00000000',
      exit_price: '94.50000000',
      closed_date: utc(2),
      // (94.50 − 100) × 10
      realized_pnl: '-55.00000000',
      current_price: '94.50000000',
      current_pnl: '-55.00000000',
      net_pnl: '-55.00000000',
      // −55 / 50
      r_multiple: '-1.10000000',
      fees: '0.00000000',
      marked_at: utc(2),
      stop_breached_at: utc(2),
      stop_breach_price: '94.50000000',
      max_favorable_price: '100.00000000',
      max_adverse_price: '94.50000000',
      // |94.50 − 100| / 5
      mfe_r: '0.00000000',
      mae_r: '1.10000000',
    });
    expect(got.exits).toEqual([
      {
        id: expect.any(String),
        position_id: p.positionId,
        shares: '10.00000000',
        price: '94.50000000',
        date: utc(2),
        fee: '0.00000000',
        realized_pnl: '-55.00000000',
      },
    ]);
    const { data } = await view(p.campaignId);
    expect(data).toMatchObject({
      version: p.version + 1,
      breached_positions_count: 0,
      total_risk: '0.00000000',
      realized_pnl: '-55.00000000',
      open_positions_count: 0,
      closed_positions_count: 1,
    });
    // One event, whole positions, the structural change's version, the next seq.
    const e = eventOf(r, p.campaignId);
    expect(e).toMatchObject({ reason: 'position_closed', version: p.version + 1, seq: Number(before.campaign.last_seq) + 1 });
    expect(e.changed_positions).toEqual([got]);
    const [entry] = (await reads.getJournal(caller.accountId, p.campaignId, { limit: 1 })).items;
    expect(entry).toMatchObject({
      action: 'stop_exit',
      version: p.version + 1,
      position_id: p.positionId,
      key_id: null,
      key_name: null,
      request_id: 'req-dip',
      details: {
        exit_id: got.exits[0]?.id,
        shares: '10.00000000',
        price: '94.50000000',
        date: utc(2),
        fee: '0.00000000',
        stop_loss: '95.00000000',
      },
    });
    // Closed: no later tick touches it.
    const after = await campaignState(orm.em, p.campaignId);
    expect(await mark([tick(p.symbol, '80', 4), tick(p.symbol, '120', 5)])).toMatchObject({ marked: 0, events: [] });
    expect(await campaignState(orm.em, p.campaignId)).toEqual(after);
  });

  it('SHORT stop 105, ticks 103, 105.50, 104: breached at 105.50, and with auto_exit_on_stop exited there', async () => {
    const plain = await onePosition('SHORT', '100', '105', false);
    const auto = await onePosition('SHORT', '100', '105', true);
    for (const p of [plain, auto]) await mark([tick(p.symbol, '103', 1), tick(p.symbol, '105.5', 2), tick(p.symbol, '104', 3)]);
    expect(await positionOf(plain.campaignId)).toMatchObject({
      status: 'OPEN',
      stop_breached_at: utc(2),
      stop_breach_price: '105.50000000',
      current_price: '104.00000000',
      // (100 − 104) × 10
      current_pnl: '-40.00000000',
    });
    expect(await positionOf(auto.campaignId)).toMatchObject({
      status: 'CLOSED',
      exit_price: '105.50000000',
      closed_date: utc(2),
      // (100 − 105.50) × 10
      realized_pnl: '-55.00000000',
      max_favorable_price: '100.00000000',
      max_adverse_price: '105.50000000',
    });
  });

  it('fills a gap through the stop at the tick: LONG stop 95, tick 90 exits at 90', async () => {
    const p = await onePosition('LONG', '100', '95', true);
    await mark([tick(p.symbol, '90', 1)]);
    // (90 − 100) × 10: the gap is lost too, as with a stop order.
    expect(await positionOf(p.campaignId)).toMatchObject({ status: 'CLOSED', exit_price: '90.00000000', realized_pnl: '-100.00000000' });
  });

  it('exits the rest after a partial exit, dated at that exit when it is later, the exit price weighted over both', async () => {
    const p = await onePosition('LONG', '100', '95', true);
    await commands.exitPosition(caller, p.positionId, { shares: dec('4'), price: dec('110'), date: at(50) }, { now: at(60) });
    await mark([tick(p.symbol, '94', 20)]);
    expect(await positionOf(p.campaignId)).toMatchObject({
      status: 'CLOSED',
      closed_date: utc(50),
      // (4 × 110 + 6 × 94) / 10 = 100.4
      exit_price: '100.40000000',
      // (110 − 100) × 4 + (94 − 100) × 6 = 40 − 36
      realized_pnl: '4.00000000',
    });
  });

  it('moving the stop re-evaluates against the mark: beyond the price clears the breach, at or through it breaches there', async () => {
    const q = await onePosition('LONG', '100', '95', false);
    await mark([tick(q.symbol, '94.5', 1), tick(q.symbol, '96', 2)]);
    const moved = await commands.moveStop(caller, q.positionId, dec('93'));
    expect(moved.position).toMatchObject({ stop_loss: '93.00000000', stop_breached_at: null, stop_breach_price: null });
    expect((await view(q.campaignId)).data.breached_positions_count).toBe(0);
    // At the mark (96): breached at the mark, not exited, whatever the campaign says.
    await query(orm.em.fork(), 'update campaigns set auto_exit_on_stop = true where id = ?', [q.campaignId]);
    const at96 = await commands.moveStop(caller, q.positionId, dec('96'));
    expect(at96.position).toMatchObject({ status: 'OPEN', stop_breached_at: utc(2), stop_breach_price: '96.00000000' });
    expect(at96.event).toMatchObject({ reason: 'stop_moved', totals: { breached_positions_count: 1 } });
    // Still through it: the breach is kept as it was.
    expect((await commands.moveStop(caller, q.positionId, dec('97'))).position).toMatchObject({ stop_breached_at: utc(2) });
    // Cleared, then breached again by a tick through the new stop, which now exits it.
    await commands.moveStop(caller, q.positionId, dec('95'));
    await mark([tick(q.symbol, '95.5', 3), tick(q.symbol, '95', 4)]);
    expect(await positionOf(q.campaignId)).toMatchObject({ status: 'CLOSED', stop_breached_at: utc(4), exit_price: '95.00000000' });
  });

  it('changes nothing when a batch is processed again, breached, exited or not', async () => {
    const plain = await onePosition('LONG', '100', '95', false);
    const auto = await onePosition('LONG', '100', '95', true, plain.symbol);
    const batch = [tick(plain.symbol, '97', 1), tick(plain.symbol, '94.5', 2), tick(plain.symbol, '96', 3)];
    const first = await mark(batch);
    expect(first.events.map((e) => [e.campaign_id, e.reason]).sort()).toEqual(
      [
        [plain.campaignId, 'marked'],
        [auto.campaignId, 'position_closed'],
      ].sort(),
    );
    const states = await Promise.all([plain, auto].map((p) => campaignState(orm.em, p.campaignId)));
    expect(await mark(batch)).toMatchObject({ marked: 0, events: [], breached: 0, stopExits: [] });
    expect(await mark([...batch].reverse())).toMatchObject({ marked: 0, events: [] });
    expect(await Promise.all([plain, auto].map((p) => campaignState(orm.em, p.campaignId)))).toEqual(states);
  });

  it('one event per campaign of a batch: the exiting campaign position_closed at version + 1, the other marked at its version', async () => {
    const plain = await onePosition('LONG', '100', '95', false);
    const auto = await onePosition('LONG', '100', '90', true, plain.symbol);
    const seqOf = async (id: string) => Number((await campaignState(orm.em, id)).campaign.last_seq);
    const seqs = [await seqOf(plain.campaignId), await seqOf(auto.campaignId)];
    const r = await mark([tick(plain.symbol, '89', 1), tick(plain.symbol, '91', 2)]);
    expect(r.events).toHaveLength(2);
    expect(eventOf(r, plain.campaignId)).toMatchObject({ reason: 'marked', version: plain.version, seq: (seqs[0] as number) + 1 });
    expect(eventOf(r, auto.campaignId)).toMatchObject({
      reason: 'position_closed',
      version: auto.version + 1,
      seq: (seqs[1] as number) + 1,
    });
    // Whole positions in the closing campaign's event, compact ones in the other.
    expect(Object.keys(eventOf(r, auto.campaignId).changed_positions[0] ?? {})).toContain('exits');
    expect(Object.keys(eventOf(r, plain.campaignId).changed_positions[0] ?? {})).not.toContain('exits');
  });

  it('two exits in one campaign and batch: one version each, journaled in the order of their ticks', async () => {
    const symbol = uniqueSymbol('S');
    const c = await newCampaign(commands, caller, 'LONG', symbol);
    await query(orm.em.fork(), 'update campaigns set auto_exit_on_stop = true where id = ?', [c.id]);
    const open = (stop: string) =>
      commands.addPosition(caller, c.id, {
        patternType: 'SPRING',
        entryPrice: dec('100'),
        shares: dec('1'),
        stopLoss: dec(stop),
        entryDate: at(0),
      });
    const high = await open('98');
    const low = await open('96');
    const r = await mark([tick(symbol, '97', 1, 'first'), tick(symbol, '95', 2, 'second')]);
    const e = eventOf(r, c.id);
    expect([e.reason, e.version, e.changed_positions.length]).toEqual(['position_closed', low.version + 2, 2]);
    const journal = (await reads.getJournal(caller.accountId, c.id, { limit: 2 })).items;
    expect(journal.map((j) => [j.action, j.version, j.position_id, j.request_id])).toEqual([
      ['stop_exit', low.version + 2, low.position.id, 'second'],
      ['stop_exit', low.version + 1, high.position.id, 'first'],
    ]);
  });

  it('breaches nothing with a late tick or the second tick of an instant, and finds the breach after a late one', async () => {
    const p = await onePosition('LONG', '100', '95', false);
    await mark([tick(p.symbol, '97', 10)]);
    // Late (before the mark), and the second tick of the marked instant: neither may mark it.
    expect(await mark([tick(p.symbol, '90', 5)])).toMatchObject({ breached: 0 });
    expect(await mark([tick(p.symbol, '97', 11), tick(p.symbol, '94', 11)])).toMatchObject({ breached: 0 });
    expect(await positionOf(p.campaignId)).toMatchObject({ stop_breached_at: null, max_adverse_price: '90.00000000' });
    // The batch's first crossing of the stop is late: its ticks tell the breach (94.90, not 96 nor 90).
    const r = await mark([tick(p.symbol, '90', 6), tick(p.symbol, '96', 12), tick(p.symbol, '94.9', 13), tick(p.symbol, '94', 14)]);
    expect([r.breached, r.perTick]).toEqual([1, 1]);
    expect(await positionOf(p.campaignId)).toMatchObject({ stop_breached_at: utc(13), stop_breach_price: '94.90000000' });
  });

  it('is breached only by ticks from its entry on, and exited at them, whatever came before in the batch', async () => {
    const symbol = uniqueSymbol('S');
    const c = await newCampaign(commands, caller, 'LONG', symbol);
    await query(orm.em.fork(), 'update campaigns set auto_exit_on_stop = true where id = ?', [c.id]);
    const r = await commands.addPosition(caller, c.id, {
      patternType: 'SPRING',
      entryPrice: dec('100'),
      shares: dec('10'),
      stopLoss: dec('95'),
      entryDate: at(5),
    });
    const m = await mark([tick(symbol, '90', 3), tick(symbol, '101', 6), tick(symbol, '94.9', 7), tick(symbol, '102', 8)]);
    expect([m.breached, m.stopExits.length]).toEqual([1, 1]);
    expect(await positionOf(c.id)).toMatchObject({
      id: r.position.id,
      status: 'CLOSED',
      exit_price: '94.90000000',
      closed_date: utc(7),
      // From its entry to the exit: 101 and 94.90; neither 90 (before the entry) nor 102 (after the exit).
      max_favorable_price: '101.00000000',
      max_adverse_price: '94.90000000',
    });
  });

  it('opens breached at a mark already through its stop, and never exits it for that breach', async () => {
    const symbol = uniqueSymbol('S');
    const c = await newCampaign(commands, caller, 'LONG', symbol);
    await query(orm.em.fork(), 'update campaigns set auto_exit_on_stop = true where id = ?', [c.id]);
    await mark([tick(symbol, '94', 10)]);
    const r = await commands.addPosition(caller, c.id, {
      patternType: 'SPRING',
      entryPrice: dec('100'),
      shares: dec('10'),
      stopLoss: dec('95'),
      entryDate: at(5),
    });
    expect(r.position).toMatchObject({ status: 'OPEN', marked_at: utc(10), stop_breached_at: utc(10), stop_breach_price: '94.00000000' });
    expect(r.event.totals.breached_positions_count).toBe(1);
    await mark([tick(symbol, '93', 11)]);
    expect(await positionOf(c.id)).toMatchObject({ status: 'OPEN', current_price: '93.00000000', stop_breached_at: utc(10) });
  });
});
