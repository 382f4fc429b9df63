import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type MikroORM, openOrm } from '@cpt/application';
import { createTestKey, prepareDatabase, repoRoot } from '@cpt/testkit';
import type { Fleet } from './fleet.js';

/** A campaign of the run, with the key of its account and its positions' ids. */
export interface Campaign {
  id: string;
  symbol: string;
  side: 'LONG' | 'SHORT';
  account: string;
  key: string;
  positions: string[];
}

/** The run's database: `SCALE_DATABASE_URL`, else `campaigns_scale` beside the local test database. */
export async function scaleDatabaseUrl(): Promise<string> {
  if (process.env.SCALE_DATABASE_URL) return process.env.SCALE_DATABASE_URL;
  const { stdout } = await promisify(execFile)(join(repoRoot(), 'deploy/local/env.sh'), [], { cwd: repoRoot() });
  const test = /^export TEST_DATABASE_URL=(.*)$/m.exec(stdout)?.[1];
  if (!test) throw new Error('deploy/local/env.sh printed no TEST_DATABASE_URL');
  const url = new URL(test);
  url.pathname = '/campaigns_scale';
  return url.toString();
}

/** Creates the database when missing, empties it and migrates it: every run starts from the schema alone. */
export async function freshDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!/^\w+$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: letters, digits and _ only`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = await openOrm({ url: maintenance.toString(), poolMax: 1 });
  try {
    const found = await admin.em.getConnection().execute('select 1 from pg_database where datname = ?', [name]);
    if (found.length === 0) await admin.em.getConnection().execute(`create database "${name}"`);
  } finally {
    await admin.close(true);
  }
  await prepareDatabase(url, true);
}

/** Rows of a raw statement. */
export const sqlRows = async <T = Record<string, unknown>>(orm: MikroORM, sql: string, params: unknown[] = []): Promise<T[]> =>
  (await orm.em.fork().getConnection().execute(sql, params)) as T[];

const HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

/**
 * Two accounts (keys with every scope); per symbol a LONG campaign of the first and a SHORT one of
 * the second, two positions each, entered an hour ago so that every tick of the run marks them;
 * made through the first gateway, as a user would.
 */
export async function createCampaigns(orm: MikroORM, fleet: Fleet, symbols: readonly string[]): Promise<Campaign[]> {
  const accounts = [
    { name: 'A', side: 'LONG' as const, key: (await createTestKey(orm, { name: 'scale A' })).key },
    { name: 'B', side: 'SHORT' as const, key: (await createTestKey(orm, { name: 'scale B' })).key },
  ];
  const gw = fleet.pick('gateway', 1);
  if (!gw) throw new Error('no gateway to create the campaigns through');
  const post = async (key: string, path: string, body: unknown): Promise<{ id: string }> => {
    const r = await fleet.call(gw, `POST ${path.replace(/[0-9a-f-]{36}/, '{id}')}`, path, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${key}` },
    });
    if (r?.status !== 201) throw new Error(`POST ${path}: ${r?.status ?? 'no answer'} ${r?.body ?? ''}`);
    return JSON.parse(r.body) as { id: string };
  };
  const campaigns: Campaign[] = [];
  for (const symbol of symbols) {
    for (const a of accounts) {
      const { id } = await post(a.key, '/api/v1/campaigns', { name: `${symbol} scale ${a.side}`, symbol, timeframe: '1h', side: a.side });
      const entries =
        a.side === 'LONG'
          ? [
              { pattern_type: 'SPRING', entry_price: '100', shares: '10', stop_loss: '10' },
              { pattern_type: 'SOS', entry_price: '101', shares: '5', stop_loss: '12' },
            ]
          : [
              { pattern_type: 'UTAD', entry_price: '100', shares: '10', stop_loss: '1000' },
              { pattern_type: 'SOW', entry_price: '99', shares: '5', stop_loss: '990' },
            ];
      const positions: string[] = [];
      for (const e of entries)
        positions.push((await post(a.key, `/api/v1/campaigns/${id}/positions`, { ...e, entry_date: HOUR_AGO() })).id);
      campaigns.push({ id, symbol, side: a.side, account: a.name, key: a.key, positions });
    }
  }
  return campaigns;
}
