import { randomUUID } from 'node:crypto';
import { dec } from '@cpt/domain';
import { describe, expect, it } from 'vitest';
import { schemaDiff, withMigratedScratchDatabase } from '../src/db/scratch-database.js';
import { query } from '../src/db/sql.js';
import { CampaignCommands, markPositions } from '../src/index.js';
import { at, newCaller, newCampaign, testDatabaseUrl } from './support.js';

describe('migrations and entities', () => {
  it('all migrations applied to an empty database give exactly the schema of the entities', async () => {
    const name = `campaigns_schema_${randomUUID().slice(0, 8)}`;
    const diff = await withMigratedScratchDatabase(testDatabaseUrl(), name, schemaDiff, { dropAfter: true });
    // A property added to an entity without `npm run migration:create` shows up here as its DDL.
    expect(diff.trim()).toBe('');
  });

  it('rolling back marks per symbol writes into each OPEN position the mark it carries, for the versions that read it from the row', async () => {
    const name = `campaigns_rollback_${randomUUID().slice(0, 8)}`;
    const rows = await withMigratedScratchDatabase(
      testDatabaseUrl(),
      name,
      async (orm) => {
        const caller = await newCaller(orm);
        const commands = new CampaignCommands(orm.em);
        const long = await newCampaign(commands, caller, 'LONG');
        const opened = await commands.addPosition(caller, long.id, {
          patternType: 'SPRING',
          entryPrice: dec('100'),
          shares: dec('3'),
          stopLoss: dec('90'),
          entryDate: at(0),
        });
        const later = await commands.addPosition(caller, long.id, {
          patternType: 'SPRING',
          entryPrice: dec('100'),
          shares: dec('1'),
          stopLoss: dec('90'),
          entryDate: at(100),
        });
        // A mark at 105.005 (P&L 15.015 on 3 shares), after the first entry and before the second.
        await markPositions(orm.em, [{ symbol: long.symbol, price: dec('105.005'), ts: at(10) }]);
        const reverted = await orm.getMigrator().down({ to: 'Migration20261130120000MarksPerSymbol' });
        expect(reverted.map((m) => m.name)).toEqual([
          'Migration20261201090000OutboxPayloadText',
          'Migration20261130190000OutboxLz4',
          'Migration20261130120000MarksPerSymbol',
        ]);
        return query<{ id: string; current_price: string; current_pnl: string; marked_at: string | null }>(
          orm.em.fork(),
          'select id::text, current_price::text, current_pnl::text, marked_at::text from positions order by entry_date',
        ).then((r) => ({ r, ids: [opened.position.id, later.position.id] }));
      },
      { dropAfter: true },
    );
    expect(rows.r).toEqual([
      { id: rows.ids[0], current_price: '105.00500000', current_pnl: '15.01500000', marked_at: '2026-01-05 12:00:10+00' },
      { id: rows.ids[1], current_price: '100.00000000', current_pnl: '0.00000000', marked_at: null },
    ]);
  });
});
