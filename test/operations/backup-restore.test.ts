import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CampaignCommands, CampaignReads, type MikroORM, markTicks, migrate, openOrm } from '@cpt/application';
import { dec } from '@cpt/domain';
import { createTestKey, prepareDatabase, repoRoot, testDatabaseUrl } from '@cpt/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * deploy/local/backup.sh and restore.sh: a database with campaigns, positions, a mark, a partial
 * exit and a closed position is dumped, restored into a new database, and reads the same to the
 * last digit; the restored database takes writes and needs no migration; a restore into a
 * database that is not empty is refused.
 */
const run = promisify(execFile);
const script = (name: string) => join(repoRoot(), 'deploy', 'local', name);

const databaseName = (suffix: string) => `ops_backup_${Date.now().toString(36)}_${randomUUID().slice(0, 8)}_${suffix}`;
const urlOf = (name: string): string => {
  const u = new URL(testDatabaseUrl());
  u.pathname = `/${name}`;
  return u.toString();
};

/** Runs a script with DATABASE_URL set; resolves with its output, or rejects with its exit code and output. */
const runScript = (name: string, args: string[], databaseUrl: string) =>
  run(script(name), args, { env: { ...process.env, DATABASE_URL: databaseUrl }, timeout: 60_000 });

describe('backup and restore (deploy/local/backup.sh, restore.sh)', () => {
  const source = databaseName('src');
  const target = databaseName('dst');
  const dir = mkdtempSync(join(tmpdir(), 'cpt-backup-'));
  const orms: MikroORM[] = [];
  let sourceOrm: MikroORM;

  const open = async (name: string) => {
    const orm = await openOrm({ url: urlOf(name), poolMax: 2 });
    orms.push(orm);
    return orm;
  };
  const onTestDatabase = async (statement: string) => {
    const orm = await openOrm({ url: testDatabaseUrl(), poolMax: 1 });
    try {
      await orm.em.fork().execute(statement, [], 'run');
    } finally {
      await orm.close(true);
    }
  };

  beforeAll(async () => {
    await onTestDatabase(`create database "${source}"`);
    await prepareDatabase(urlOf(source), false);
    sourceOrm = await open(source);
  });

  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    for (const name of [source, target]) await onTestDatabase(`drop database if exists "${name}" with (force)`);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Everything the API would answer about the account's campaigns, from one database. */
  const readAll = async (orm: MikroORM, accountId: string, campaignIds: string[]) => {
    const reads = new CampaignReads(orm.em);
    const out: Record<string, unknown> = { list: await reads.listCampaigns(accountId, { limit: 200 }) };
    for (const id of campaignIds) {
      out[id] = {
        campaign: await reads.getCampaign(accountId, id),
        positions: await reads.getCampaignPositions(accountId, id, { includeClosed: true }),
        journal: await reads.getJournal(accountId, id, { limit: 200 }),
      };
    }
    return out;
  };

  it('restores into a new database what reads the same, exact to every digit', async () => {
    const { caller, accountId } = await createTestKey(sourceOrm);
    const commands = new CampaignCommands(sourceOrm.em);
    const symbol = `B${randomUUID().replace(/-/g, '').slice(0, 9).toUpperCase()}`;
    const long = await commands.createCampaign(caller, { name: `LONG ${symbol}`, symbol, timeframe: '1h', side: 'LONG' });
    const short = await commands.createCampaign(caller, { name: `SHORT ${symbol}`, symbol, timeframe: '4h', side: 'SHORT' });
    const entry = new Date(Date.now() - 3_600_000);
    const spring = await commands.addPosition(caller, long.id, {
      patternType: 'SPRING',
      entryPrice: dec('100.12345678'),
      shares: dec('10'),
      stopLoss: dec('95.5'),
      entryFee: dec('1.25'),
      entryDate: entry,
    });
    await commands.addPosition(caller, long.id, {
      patternType: 'LPS',
      entryPrice: dec('102.5'),
      shares: dec('5.5'),
      stopLoss: dec('99'),
      entryDate: new Date(entry.getTime() + 60_000),
    });
    const utad = await commands.addPosition(caller, short.id, {
      patternType: 'UTAD',
      entryPrice: dec('110'),
      shares: dec('3'),
      stopLoss: dec('114.75'),
      entryDate: entry,
    });
    await markTicks(sourceOrm.em, [{ symbol, price: '104.33333333', ts: new Date(Date.now() - 60_000).toISOString() }]);
    await commands.exitPosition(caller, spring.position.id, { shares: dec('4'), price: dec('103.1'), fee: dec('0.75') });
    await commands.closePosition(caller, utad.position.id, { exitPrice: dec('107.2'), fee: dec('0.5') });

    const ids = [long.id, short.id];
    const before = await readAll(sourceOrm, accountId, ids);
    const totals = (before[long.id] as { campaign: Record<string, unknown> }).campaign;
    // The figures are there to compare: a mark and an exit moved them.
    expect(totals.realized_pnl).toMatch(/^-?\d+\.\d{8}$/);
    expect(totals.realized_pnl).not.toBe('0.00000000');
    expect(totals.unrealized_pnl).not.toBe('0.00000000');

    const file = join(dir, 'campaigns.dump');
    const backup = await runScript('backup.sh', [file], urlOf(source));
    expect(backup.stdout.trim()).toBe(file);
    expect(statSync(file).size).toBeGreaterThan(0);

    // The target does not exist yet: restore.sh creates it.
    const restore = await runScript('restore.sh', [file], urlOf(target));
    expect(restore.stderr).toContain(`${target} restored`);

    const targetOrm = await open(target);
    const after = await readAll(targetOrm, accountId, ids);
    expect(after).toEqual(before);
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));

    // The restored database is at the schema of the source (nothing to migrate) and takes writes:
    // its sequences and constraints came back with it.
    expect(await migrate(targetOrm)).toEqual([]);
    const restoredCommands = new CampaignCommands(targetOrm.em);
    const added = await restoredCommands.addPosition(caller, long.id, {
      patternType: 'SOS',
      entryPrice: dec('104'),
      shares: dec('1'),
      stopLoss: dec('101'),
    });
    const positions = await new CampaignReads(targetOrm.em).getCampaignPositions(accountId, long.id, { includeClosed: true });
    expect(positions.data.positions.map((p) => p.id)).toContain(added.position.id);
    expect(positions.seq).toBeGreaterThan((before[long.id] as { positions: { seq: number } }).positions.seq);
  });

  it('refuses to restore into a database that is not empty', async () => {
    const file = join(dir, 'again.dump');
    await runScript('backup.sh', [file], urlOf(source));
    // Into the very database it came from, which holds the schema and the data.
    const refused = await runScript('restore.sh', [file], urlOf(source)).then(
      () => undefined,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain('is not empty');
  });
});
