import { CampaignCommands, type MikroORM, markPositions } from '@cpt/application';
import { type Caller, dec } from '@cpt/domain';

/** The sizes of a scenario; every one configurable. */
export interface Scenario {
  symbols: number;
  campaigns: number;
  positionsPerCampaign: number;
  /** Basis points over which each campaign's stops are spread from the entry; null or absent: all at 5%. */
  nearStops?: number | null;
  /** The letters before each symbol's number (`SYM` unless given): a second set of campaigns seeded later takes symbols of its own. */
  prefix?: string;
}

export const symbolName = (i: number, prefix = 'SYM'): string => `${prefix}${String(i).padStart(5, '0')}`;

/**
 * Seeds campaigns of the account in bulk with one statement each: campaign i trades symbol i, with
 * `positionsPerCampaign` OPEN positions entered on 2026-01-01 at 100, their stops 5% away (or
 * spread over `nearStops` basis points); symbols past `campaigns` have ticks but no positions.
 * Positions go to the campaigns of this call only (those of its symbol prefix).
 */
export async function seed(orm: MikroORM, s: Scenario, accountId: string): Promise<Map<string, string>> {
  const em = orm.em.fork();
  const prefix = s.prefix ?? 'SYM';
  if (!/^[A-Z]+$/.test(prefix)) throw new Error(`a symbol prefix is capital letters, not ${prefix}`);
  const rows = (await em.execute(
    `insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
     select gen_random_uuid(), ?::uuid, 'bench ' || g, ? || lpad(g::text, 5, '0'), '1h', case when g % 2 = 0 then 'LONG' else 'SHORT' end,
       'ACTIVE', 1, 0, now(), now()
     from generate_series(0, ?::int - 1) g returning id, symbol`,
    [accountId, prefix, s.campaigns],
  )) as { id: string; symbol: string }[];
  await em.execute(
    `insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
       open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, created_at, updated_at, max_favorable_price, max_adverse_price)
     select gen_random_uuid(), c.account_id, c.id, null, c.symbol, '1h', case when c.side = 'LONG' then 'SPRING' else 'UTAD' end,
       timestamptz '2026-01-01', 100, 10 + n, 10 + n, case when c.side = 'LONG' then 100 - g.gap else 100 + g.gap end,
       case when c.side = 'LONG' then 100 - g.gap else 100 + g.gap end, g.gap * (10 + n), g.gap * (10 + n), 0, 0, 100, 0, 'OPEN', now(), now(), 100, 100
     from campaigns c cross join generate_series(1, ?::int) n
     cross join lateral (select coalesce(round(?::numeric * n / ?::int / 100, 8), 5) as gap) g
     where c.account_id = ?::uuid and c.symbol like ? and c.status = 'ACTIVE'
       and not exists (select 1 from positions o where o.campaign_id = c.id)`,
    [s.positionsPerCampaign, s.nearStops ?? null, s.positionsPerCampaign, accountId, `${prefix}%`],
  );
  await em.execute('analyze', [], 'run');
  return new Map(rows.map((r) => [r.id, r.symbol]));
}

/** Positions of one campaign (in its account), entered a few minutes apart at prices around 1.2 to 1.33. */
export const INSERT_READ_POSITIONS = `
  insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
    open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, closed_date, exit_price,
    realized_pnl, marked_at, created_at, updated_at, max_favorable_price, max_adverse_price)
  select gen_random_uuid(), (select account_id from campaigns where id = ?::uuid), ?::uuid, gen_random_uuid(), ?, '1h', (array['SPRING','SOS','LPS'])[1 + n % 3],
    timestamptz '2026-01-01' + n * interval '7 minutes', v.e, v.s, v.s, v.e - 0.005, v.e - 0.005, round_half_even(0.005 * v.s, 8),
    round_half_even(0.005 * v.s, 8), 1, 1, v.e, 0, 'OPEN', null, null, null, null, now(), now(), v.e, v.e
  from generate_series(1, ?::int) n
  cross join lateral (select 1.2 + (n % 97) * 0.0013 as e, 1000 + (n % 13) * 250.5 as s) v`;

/**
 * A campaign of `size` positions of the caller's account as a reader meets it (symbol
 * `BENCH<size>` unless given): bulk-inserted, marked, a fifth given exits through the commands (a tenth closed), marked again.
 */
export async function seedReadCampaign(orm: MikroORM, caller: Caller, size: number, symbol = `BENCH${size}`): Promise<string> {
  const commands = new CampaignCommands(orm.em);
  const c = await commands.createCampaign(caller, { name: `bench ${size}`, symbol, timeframe: '1h', side: 'LONG' });
  await orm.em.fork().execute(INSERT_READ_POSITIONS, [c.id, c.id, symbol, size], 'run');
  await markPositions(orm.em, [{ symbol, price: dec('1.2575'), ts: new Date('2026-03-01T00:00:00Z') }]);
  const ids = (await orm.em.fork().execute('select id from positions where campaign_id = ? order by entry_date', [c.id])) as {
    id: string;
  }[];
  // Exits on a fifth of the positions: half of those reduced by a partial exit and still OPEN,
  // half closed in two exits (a partial one, then the close).
  const exitDate = new Date('2026-03-02T00:00:00Z');
  for (const [i, p] of ids.entries()) {
    if (i % 5 !== 0) continue;
    const price = dec((1.24 + (i % 11) * 0.003).toFixed(4));
    await commands.exitPosition(caller, p.id, { shares: dec('500'), price, date: exitDate, fee: dec('1.25') });
    if (i % 10 === 0)
      await commands.closePosition(caller, p.id, { exitPrice: price.plus('0.001'), closedDate: exitDate, fee: dec('1.25') });
  }
  await markPositions(orm.em, [{ symbol, price: dec('1.26312345'), ts: new Date('2026-03-03T00:00:00Z') }]);
  return c.id;
}

/**
 * One campaign of the account, of `positions` open positions like the scenario's, on a symbol no
 * scenario tick names (`FANOUT` unless given): the fan-out stage publishes its events itself; the
 * dashboard stage posts ticks of its own symbols.
 */
export async function seedFanoutCampaign(
  orm: MikroORM,
  accountId: string,
  positions: number,
  symbol = 'FANOUT',
  name = 'bench fan-out',
): Promise<string> {
  const em = orm.em.fork();
  const [row] = (await em.execute(
    `insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
     values (gen_random_uuid(), ?::uuid, ?, ?, '1h', 'LONG', 'ACTIVE', 1, 0, now(), now()) returning id`,
    [accountId, name, symbol],
  )) as { id: string }[];
  const id = row?.id as string;
  await em.execute(
    `insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
       open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, marked_at, created_at, updated_at, max_favorable_price, max_adverse_price)
     select gen_random_uuid(), ?::uuid, ?::uuid, null, ?, '1h', 'SPRING', timestamptz '2026-01-01' + n * interval '1 minute', 100, 10 + n,
       10 + n, 95, 95, 5 * (10 + n), 5 * (10 + n), 0, 0, 101.25, 1.25 * (10 + n), 'OPEN', timestamptz '2026-03-01', now(), now(), 100, 100
     from generate_series(1, ?::int) n`,
    [accountId, id, symbol, positions],
  );
  return id;
}
