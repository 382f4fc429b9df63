import { randomUUID } from 'node:crypto';
import { CampaignCommands, CampaignReads, type MikroORM, openOrm } from '@cpt/application';
import { type Caller, dec, type PatternType, type Side } from '@cpt/domain';
import { createLogger, type Logger } from '@cpt/platform';
import { createTestKey, prepareDatabase, testDatabaseUrl } from '@cpt/testkit';
import pg from 'pg';

/** The tests' logger: silent unless TEST_LOG_LEVEL asks for more. */
export const testLog = (): Logger => createLogger('position-test', process.env.TEST_LOG_LEVEL ?? 'silent');

/** A symbol no other test uses. */
export const uniqueSymbol = (prefix = 'Q'): string => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

/**
 * A database of the test's own, migrated, beside the shared test database. The relay publishes
 * and deletes every row of the outbox and takes a lock every relay shares, and the marks consumer
 * marks whatever positions the ticks of the shared topic match: on the shared database they would
 * take other suites' events and positions, and other suites' relays would take theirs.
 */
export interface PrivateDatabase {
  url: string;
  orm: MikroORM;
  commands: CampaignCommands;
  reads: CampaignReads;
  /** The account the tests' campaigns belong to (marks reach positions of every account alike). */
  caller: Caller;
  /** One raw statement on its own connection. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A connection of the test's own, to hold locks with. */
  connect(): Promise<pg.Client>;
  drop(): Promise<void>;
}

const PREFIX = 'position_test_';
const STALE_MS = 60 * 60 * 1000;

/** Runs `work` on a connection to the shared test database. */
async function onTestDatabase<T>(work: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: testDatabaseUrl() });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

export async function privateDatabase(): Promise<PrivateDatabase> {
  const name = `${PREFIX}${Date.now().toString(36)}_${randomUUID().slice(0, 8)}`;
  await onTestDatabase(async (c) => {
    // Databases left behind by runs that were killed, an hour or more ago.
    const { rows } = await c.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${PREFIX}%`]);
    for (const { datname } of rows) {
      const born = Number.parseInt(datname.slice(PREFIX.length).split('_')[0] ?? '', 36);
      if (Date.now() - born > STALE_MS) await c.query(`drop database if exists "${datname}" with (force)`);
    }
    await c.query(`create database "${name}"`);
  });
  const u = new URL(testDatabaseUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  await prepareDatabase(url, false);
  const orm = await openOrm({ url, poolMax: 10 });
  const { caller } = await createTestKey(orm);
  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  };
  return {
    url,
    orm,
    commands: new CampaignCommands(orm.em),
    reads: new CampaignReads(orm.em),
    caller,
    sql: async <T>(text: string, params: unknown[] = []) => {
      const c = await connect();
      try {
        return (await c.query(text, params)).rows as T[];
      } finally {
        await c.end();
      }
    },
    connect,
    drop: async () => {
      await orm.close(true);
      await onTestDatabase((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

/** The URL with an `application_name`, so that the test can find that connection in `pg_stat_activity`. */
export function namedUrl(url: string, applicationName: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', applicationName);
  return u.toString();
}

/** Creates an active campaign and returns its id. */
export async function newCampaign(db: PrivateDatabase, symbol: string, side: Side = 'LONG'): Promise<string> {
  const c = await db.commands.createCampaign(db.caller, { name: `${side} ${symbol}`, symbol, timeframe: '1h', side });
  return c.id;
}

interface PositionSpec {
  pattern: PatternType;
  entry: string;
  shares: string;
  stop: string;
  entryDate: string;
  requestId?: string;
}

/** Opens a position and returns its id. */
export async function addPosition(db: PrivateDatabase, campaignId: string, p: PositionSpec): Promise<string> {
  const r = await db.commands.addPosition(
    db.caller,
    campaignId,
    { patternType: p.pattern, entryPrice: dec(p.entry), shares: dec(p.shares), stopLoss: dec(p.stop), entryDate: new Date(p.entryDate) },
    p.requestId === undefined ? {} : { requestId: p.requestId },
  );
  return r.position.id;
}

/** The outbox rows of a campaign, in seq order. */
export const outboxOf = (db: PrivateDatabase, campaignId: string) =>
  db.sql<{ seq: number; request_id: string | null; payload: Record<string, unknown> }>(
    'select seq::int as seq, request_id, payload::json as payload from campaign_events where campaign_id = $1 order by seq',
    [campaignId],
  );

/** How many events wait in the outbox. */
export const outboxSize = async (db: PrivateDatabase): Promise<number> =>
  (await db.sql<{ n: number }>('select count(*)::int as n from campaign_events'))[0]?.n ?? -1;
