import { type CampaignUpdated, campaignUpdatedSchema } from '@cpt/contracts';
import type { Caller } from '@cpt/domain';
import { dec } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, CampaignReads, markPositions } from '../src/index.js';
import { at, campaignState, newCaller, newCampaign, openTestOrm, outboxRows } from './support.js';

const LONG_ENTRY = {
  patternType: 'SPRING' as const,
  entryPrice: dec('1.25'),
  shares: dec('8000'),
  stopLoss: dec('1.245'),
  entryDate: at(0),
};

describe('the outbox row of each command', () => {
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

  const xminOf = async (table: 'campaigns' | 'positions' | 'exits', id: string): Promise<string> => {
    const [row] = await query<{ x: string }>(orm.em.fork(), `select xmin::text as x from ${table} where id = ?`, [id]);
    if (!row) throw new Error(`${table} ${id} is missing`);
    return row.x;
  };

  /** Checks the one row a command added: the next seq, the contract's shape, the state it describes, the same transaction. */
  async function expectOneEvent(
    campaignId: string,
    before: Awaited<ReturnType<typeof campaignState>>,
    returned: CampaignUpdated,
    expected: { reason: CampaignUpdated['reason']; requestId: string; changed: string[]; exits?: string[] },
  ): Promise<void> {
    const after = await campaignState(orm.em, campaignId);
    expect(after.events).toHaveLength(before.events.length + 1);
    const row = after.events.at(-1);
    if (!row) throw new Error('missing outbox row');
    const seq = Number(before.campaign.last_seq) + 1;
    const version = Number(before.campaign.version) + 1;
    expect(Number(row.seq)).toBe(seq);
    expect(after.campaign).toMatchObject({ last_seq: String(seq), version: String(version) });
    expect(row.request_id).toBe(expected.requestId);

    const event = campaignUpdatedSchema.parse(row.payload);
    expect(event).toEqual(returned);
    expect(event).toMatchObject({ type: 'campaign_updated', campaign_id: campaignId, seq, version, reason: expected.reason });
    expect(event.changed_positions.map((p) => p.id)).toEqual(expected.changed);

    const view = (await reads.getCampaignPositions(caller.accountId, campaignId, { includeClosed: true })).data;
    const { campaign_id: _id, version: _version, positions, ...totals } = view;
    expect(event.totals).toEqual(totals);
    for (const p of event.changed_positions) expect(positions.find((q) => q.id === p.id)).toEqual(p);

    // The outbox row, the campaign row, the changed position and any exit it recorded were written by one transaction.
    const known = new Set(before.exits.map((e) => e.id));
    const added = after.exits.filter((e) => !known.has(e.id));
    expect(added.map((e) => e.position_id)).toEqual(expected.exits ?? []);
    const xmins = new Set([
      row.xmin,
      await xminOf('campaigns', campaignId),
      ...(await Promise.all(expected.changed.map((id) => xminOf('positions', id)))),
      ...(await Promise.all(added.map((e) => xminOf('exits', e.id)))),
    ]);
    expect(xmins.size).toBe(1);
  }

  it('addPosition, moveStop, closePosition and closeCampaign each write exactly one campaign_updated row', async () => {
    const c = await newCampaign(commands, caller, 'LONG');
    let before = await campaignState(orm.em, c.id);
    expect(before.events).toEqual([]);

    const added = await commands.addPosition(caller, c.id, LONG_ENTRY, { requestId: 'req-add' });
    const positionId = added.position.id;
    await expectOneEvent(c.id, before, added.event, { reason: 'position_opened', requestId: 'req-add', changed: [positionId] });

    before = await campaignState(orm.em, c.id);
    const moved = await commands.moveStop(caller, positionId, dec('1.26'), { requestId: 'req-stop', ifMatch: 2 });
    await expectOneEvent(c.id, before, moved.event, { reason: 'stop_moved', requestId: 'req-stop', changed: [positionId] });
    expect(moved.event.totals.total_risk).toBe('-80.00000000');

    before = await campaignState(orm.em, c.id);
    const closed = await commands.closePosition(
      caller,
      positionId,
      { exitPrice: dec('1.2575'), closedDate: at(60) },
      { requestId: 'req-close' },
    );
    await expectOneEvent(c.id, before, closed.event, {
      reason: 'position_closed',
      requestId: 'req-close',
      changed: [positionId],
      exits: [positionId],
    });
    expect(closed.event.totals).toMatchObject({ realized_pnl: '60.00000000', open_positions_count: 0, closed_positions_count: 1 });

    before = await campaignState(orm.em, c.id);
    const ended = await commands.closeCampaign(caller, c.id, { requestId: 'req-end', ifMatch: 4 });
    await expectOneEvent(c.id, before, ended.event, { reason: 'campaign_closed', requestId: 'req-end', changed: [] });
    expect(ended.campaign).toMatchObject({ status: 'CLOSED', version: 5 });

    expect((await outboxRows(orm.em, c.id)).map((r) => Number(r.seq))).toEqual([1, 2, 3, 4]);
  });

  it('numbers the events of concurrent commands 1, 2, 3… without gaps', async () => {
    const c = await newCampaign(commands, caller, 'SHORT');
    const entry = { patternType: 'UTAD' as const, entryPrice: dec('50'), shares: dec('2'), stopLoss: dec('51'), entryDate: at(0) };
    const results = await Promise.all(Array.from({ length: 8 }, () => commands.addPosition(caller, c.id, entry)));
    expect(results.map((r) => r.event.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const rows = await outboxRows(orm.em, c.id);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rows.map((r) => campaignUpdatedSchema.parse(r.payload).version)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  describe('a command that fails writes no row and changes nothing', () => {
    /** A campaign at version 3 with one OPEN and one CLOSED position. */
    async function fixture() {
      const c = await newCampaign(commands, caller, 'LONG');
      const open = await commands.addPosition(caller, c.id, LONG_ENTRY);
      const closing = await commands.addPosition(caller, c.id, { ...LONG_ENTRY, entryDate: at(10) });
      await commands.closePosition(caller, closing.position.id, { exitPrice: dec('1.3'), closedDate: at(20) });
      return { id: c.id, openId: open.position.id, closedId: closing.position.id };
    }

    const cases: [string, (f: Awaited<ReturnType<typeof fixture>>) => Promise<unknown>, string][] = [
      ['addPosition with a stale If-Match', (f) => commands.addPosition(caller, f.id, LONG_ENTRY, { ifMatch: 3 }), 'version_conflict'],
      [
        'addPosition with a stop above the entry of a LONG',
        (f) => commands.addPosition(caller, f.id, { ...LONG_ENTRY, stopLoss: dec('1.3') }),
        'validation_failed',
      ],
      [
        'addPosition with a SHORT pattern in a LONG campaign',
        (f) => commands.addPosition(caller, f.id, { ...LONG_ENTRY, patternType: 'UTAD' }),
        'validation_failed',
      ],
      [
        'addPosition with an entry_date over 60 s ahead',
        (f) => commands.addPosition(caller, f.id, { ...LONG_ENTRY, entryDate: new Date(Date.now() + 120_000) }),
        'validation_failed',
      ],
      ['moveStop with a stale If-Match', (f) => commands.moveStop(caller, f.openId, dec('1.2'), { ifMatch: 2 }), 'version_conflict'],
      ['moveStop to zero', (f) => commands.moveStop(caller, f.openId, dec('0')), 'validation_failed'],
      ['moveStop of a CLOSED position', (f) => commands.moveStop(caller, f.closedId, dec('1.2')), 'conflict'],
      [
        'closePosition with a stale If-Match',
        (f) => commands.closePosition(caller, f.openId, { exitPrice: dec('1.3'), closedDate: at(30) }, { ifMatch: 1 }),
        'version_conflict',
      ],
      [
        'closePosition before the entry_date',
        (f) => commands.closePosition(caller, f.openId, { exitPrice: dec('1.3'), closedDate: at(-1) }),
        'validation_failed',
      ],
      [
        'closePosition at a negative price',
        (f) => commands.closePosition(caller, f.openId, { exitPrice: dec('-1'), closedDate: at(30) }),
        'validation_failed',
      ],
      [
        'closePosition of a CLOSED position',
        (f) => commands.closePosition(caller, f.closedId, { exitPrice: dec('1.3'), closedDate: at(30) }),
        'conflict',
      ],
      ['closeCampaign with an OPEN position', (f) => commands.closeCampaign(caller, f.id), 'conflict'],
      ['closeCampaign with a stale If-Match', (f) => commands.closeCampaign(caller, f.id, { ifMatch: 3 }), 'version_conflict'],
    ];

    it.each(cases)('%s', async (_name, command, code) => {
      const f = await fixture();
      const before = await campaignState(orm.em, f.id);
      expect(before.campaign.version).toBe('4');
      await expect(command(f)).rejects.toMatchObject({ code });
      expect(await campaignState(orm.em, f.id)).toEqual(before);
    });

    it('addPosition to a CLOSED campaign and closeCampaign of a CLOSED campaign', async () => {
      const c = await newCampaign(commands, caller, 'LONG');
      await commands.closeCampaign(caller, c.id);
      const before = await campaignState(orm.em, c.id);
      await expect(commands.addPosition(caller, c.id, LONG_ENTRY)).rejects.toMatchObject({ code: 'conflict' });
      await expect(commands.closeCampaign(caller, c.id)).rejects.toMatchObject({ code: 'conflict' });
      expect(await campaignState(orm.em, c.id)).toEqual(before);
    });

    it('commands on a campaign or position that does not exist', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      await expect(commands.addPosition(caller, missing, LONG_ENTRY)).rejects.toMatchObject({ code: 'not_found' });
      await expect(commands.closePosition(caller, missing, { exitPrice: dec('1'), closedDate: at(1) })).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(commands.moveStop(caller, missing, dec('1'))).rejects.toMatchObject({ code: 'not_found' });
      await expect(commands.closeCampaign(caller, missing)).rejects.toMatchObject({ code: 'not_found' });
      expect(await outboxRows(orm.em, missing)).toEqual([]);
    });
  });

  it('stores a large payload compressed with lz4, and reads it back as the event that was recorded', async () => {
    const c = await newCampaign(commands, caller, 'LONG');
    for (let i = 0; i < 30; i++) await commands.addPosition(caller, c.id, { ...LONG_ENTRY, entryDate: at(i) });
    // One `marked` event listing the 30 positions: about 12 KB of JSON, past the size PostgreSQL compresses.
    const result = await markPositions(orm.em, [{ symbol: c.symbol, price: dec('1.2575'), ts: at(100) }]);
    expect(result.events).toHaveLength(1);
    const [row] = await query<{ compression: string | null; bytes: number; payload: string }>(
      orm.em.fork(),
      `select pg_column_compression(payload) as compression, octet_length(payload::text) as bytes, payload::text as payload
       from campaign_events where campaign_id = ? and seq = ?`,
      [c.id, result.events[0]?.seq],
    );
    expect(row?.compression).toBe('lz4');
    expect(row?.bytes).toBeGreaterThan(8000);
    expect(campaignUpdatedSchema.parse(JSON.parse(row?.payload ?? ''))).toEqual(result.events[0]);
  });
});
