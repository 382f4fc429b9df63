import { randomUUID } from 'node:crypto';
import { type Caller, dec, type NewPositionInput, type PatternType, type Side } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import fc from 'fast-check';
import { afterAll, beforeAll, inject } from 'vitest';
import { query } from '../src/db/sql.js';
import { CampaignCommands, CampaignReads, type MikroORM, openOrm } from '../src/index.js';
import { createAccount } from '../src/modules/accounts/account.commands.js';
import { MARKED, positionsFrom } from '../src/modules/positions/position.mapper.js';

// The global setup of the testkit provides these. The testkit itself depends on this package,
// so its tests cannot import it without a cycle in the project references; they declare the
// same keys instead.
declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    kafkaBrokers: string[];
  }
}

/** The test database's URL, provided by the global setup. */
export const testDatabaseUrl = (): string => inject('databaseUrl');

/** An ORM on the test database. */
export function openTestOrm(poolMax = 10): Promise<MikroORM> {
  return openOrm({ url: testDatabaseUrl(), poolMax });
}

/** A symbol no other test uses, so that marks in one test never touch another's positions. */
export const uniqueSymbol = (prefix = 'P'): string => `${prefix}${Math.random().toString(36).slice(2, 10).toUpperCase()}`;

/** 10^8: one unit is 0.00000001. */
export const UNIT = 100_000_000n;

/** The largest magnitude of a `NUMERIC(18,8)` value, in units. */
export const MAX_UNITS = 999_999_999_999_999_999n;

/** Renders an integer count of 1e-8 units as a decimal string with 8 fractional digits. */
export function unitsToText(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(9, '0');
  return `${sign}${digits.slice(0, -8)}.${digits.slice(-8)}`;
}

/** Units between the bounds, inclusive. */
export const units = (min: bigint, max: bigint): fc.Arbitrary<bigint> => fc.bigInt({ min, max });

export const sideArb: fc.Arbitrary<Side> = fc.constantFrom<Side>('LONG', 'SHORT');

/** The first entry pattern allowed in a campaign of the side. */
export const patternOf = (side: Side): PatternType => (side === 'LONG' ? 'SPRING' : 'UTAD');

/** A stop one unit on the losing side of the entry (the entry must be above one unit). */
export const stopFor = (side: Side, entryUnits: bigint): bigint => (side === 'LONG' ? entryUnits - 1n : entryUnits + 1n);

/** The input of a new position, from unit figures. */
export function positionInput(side: Side, entryUnits: bigint, sharesUnits: bigint, entryDate: Date, stopUnits?: bigint): NewPositionInput {
  return {
    patternType: patternOf(side),
    entryPrice: dec(unitsToText(entryUnits)),
    shares: dec(unitsToText(sharesUnits)),
    stopLoss: dec(unitsToText(stopUnits ?? stopFor(side, entryUnits))),
    entryDate,
  };
}

/**
 * A caller of a new account, as a verified key would make it: the commands and reads of a test act
 * on its account (the key id is made up: the journal records it, nothing looks it up).
 */
export async function newCaller(orm: MikroORM): Promise<Caller> {
  const account = await createAccount(orm.em, `test ${randomUUID().slice(0, 8)}`);
  return { accountId: account.id, keyId: randomUUID(), keyName: 'test key', scopes: ['campaigns:read', 'campaigns:write'] };
}

/** Creates an active campaign of the caller's account on a fresh symbol. */
export async function newCampaign(
  commands: CampaignCommands,
  caller: Caller,
  side: Side,
  symbol = uniqueSymbol(),
): Promise<{ id: string; symbol: string }> {
  const c = await commands.createCampaign(caller, { name: `${side} ${symbol}`, symbol, timeframe: '1h', side });
  return { id: c.id, symbol: c.symbol };
}

/** A fixed instant plus some seconds: test clocks never depend on the wall clock. */
export const at = (seconds: number): Date => new Date(Date.UTC(2026, 0, 5, 12, 0, 0) + seconds * 1000);

/** A position row with every column as PostgreSQL prints it. */
export interface PositionText {
  id: string;
  campaign_id: string;
  signal_id: string | null;
  symbol: string;
  timeframe: string;
  pattern_type: string;
  entry_date: string;
  entry_price: string;
  shares: string;
  open_shares: string;
  stop_loss: string;
  initial_stop: string;
  risk: string;
  initial_risk: string;
  entry_fee: string;
  fees: string;
  current_price: string;
  current_pnl: string;
  status: string;
  closed_date: string | null;
  exit_price: string | null;
  realized_pnl: string | null;
  marked_at: string | null;
  max_favorable_price: string;
  max_adverse_price: string;
  r_multiple: string | null;
  mfe_r: string | null;
  mae_r: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Every column of the campaign's positions, as text, in a stable order, as reads show them: the
 * mark's columns derived from the symbol's mark (section 6, `positionsFrom`).
 */
export async function positionRows(em: EntityManager, campaignId: string): Promise<PositionText[]> {
  return query(
    em.fork(),
    `select p.id::text, p.campaign_id::text, p.signal_id::text, p.symbol, p.timeframe, p.pattern_type,
       p.entry_date::text, p.entry_price::text, p.shares::text, p.open_shares::text, p.stop_loss::text,
       p.initial_stop::text, p.risk::text, p.initial_risk::text, p.entry_fee::text, p.fees::text,
       ${MARKED.currentPrice('p')}::text as current_price, ${MARKED.currentPnl('p')}::text as current_pnl, p.status,
       p.closed_date::text, p.exit_price::text, p.realized_pnl::text, ${MARKED.markedAt('p')}::text as marked_at,
       p.max_favorable_price::text, p.max_adverse_price::text, p.r_multiple::text,
       p.mfe_r::text, p.mae_r::text, p.created_at::text, ${MARKED.updatedAt('p')}::text as updated_at
     from ${positionsFrom('p')} where p.campaign_id = ? order by p.entry_date, p.id`,
    [campaignId],
  );
}

/** An exit row with every column as PostgreSQL prints it. */
export interface ExitText {
  id: string;
  account_id: string;
  campaign_id: string;
  position_id: string;
  shares: string;
  price: string;
  date: string;
  fee: string;
  realized_pnl: string;
  created_at: string;
}

/** Every column of the campaign's exits, as text, in a stable order. */
export async function exitRows(em: EntityManager, campaignId: string): Promise<ExitText[]> {
  return query(
    em.fork(),
    `select e.id::text, e.account_id::text, e.campaign_id::text, e.position_id::text, e.shares::text, e.price::text,
       e.date::text, e.fee::text, e.realized_pnl::text, e.created_at::text
     from exits e where e.campaign_id = ? order by e.position_id, e.date, e.id`,
    [campaignId],
  );
}

/** Every column of the campaign row, as text. */
export async function campaignRow(em: EntityManager, campaignId: string): Promise<Record<string, string | null>> {
  const [row] = await query<Record<string, string | null>>(
    em.fork(),
    `select id::text, name, symbol, timeframe, side, status, version::text, last_seq::text, created_at::text, updated_at::text
     from campaigns where id = ?`,
    [campaignId],
  );
  if (!row) throw new Error(`campaign ${campaignId} is missing`);
  return row;
}

/** An outbox row as stored. */
export interface OutboxRow {
  id: string;
  campaign_id: string;
  seq: string;
  payload: Record<string, unknown>;
  request_id: string | null;
  xmin: string;
}

/** The campaign's outbox rows in seq order. */
export async function outboxRows(em: EntityManager, campaignId: string): Promise<OutboxRow[]> {
  return query<OutboxRow>(
    em.fork(),
    `select id::text, campaign_id::text, seq::text, payload::json as payload, request_id, xmin::text
     from campaign_events where campaign_id = ? order by seq`,
    [campaignId],
  );
}

/** Everything stored about a campaign: its row, its positions, their exits and its outbox. */
export async function campaignState(em: EntityManager, campaignId: string) {
  const [campaign, positions, exits, events] = await Promise.all([
    campaignRow(em, campaignId),
    positionRows(em, campaignId),
    exitRows(em, campaignId),
    outboxRows(em, campaignId),
  ]);
  return { campaign, positions, exits, events };
}

/** What a describe block of application tests works with: see {@link useTestApp}. */
export interface TestApp {
  orm: MikroORM;
  /** A key of a fresh account (both scopes). */
  caller: Caller;
  commands: CampaignCommands;
  reads: CampaignReads;
}

/**
 * An ORM on the test database, a caller of a fresh account, and the application's commands and
 * reads over it, made before the block's tests and closed after them. Read its fields inside the
 * tests (they are set by then).
 */
export function useTestApp(): TestApp {
  const app = {} as TestApp;
  beforeAll(async () => {
    app.orm = await openTestOrm();
    app.caller = await newCaller(app.orm);
    app.commands = new CampaignCommands(app.orm.em);
    app.reads = new CampaignReads(app.orm.em);
  });
  afterAll(async () => app.orm?.close());
  return app;
}
