/**
 * Latency of the analytics reads (section 9) through the real gateway over real HTTP, at the scale
 * of a busy account: 100,000 closed positions over 200 campaigns, and a week of minute points (with
 * their hourly and daily roll-ups) for each of those campaigns; then the tables' sizes.
 *
 *   npx tsc -b
 *   DATABASE_URL=postgres://campaigns:campaigns@127.0.0.1:5432/bench_analytics npx tsx bench/analytics.ts
 *
 * The database is created when missing and wiped and migrated on every run (its name must contain
 * "bench"). BENCH_REQUESTS sets the measured requests per series (default 200).
 */
import { StatsReads } from '@cpt/application';
import { benchKey } from './lib/bench-env.js';
import { benchGateway, httpClients, line, prepareDatabase } from './lib/latency.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://campaigns:campaigns@127.0.0.1:5432/bench_analytics';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const WARMUP = 20;
const CAMPAIGNS = 200;
const CLOSED = 100_000;
const WEEK_END = new Date(Date.UTC(2026, 10, 29, 0, 0, 0));
const WEEK_START = new Date(WEEK_END.getTime() - 7 * 86_400_000);

/** 200 campaigns of the account, half LONG and half SHORT, created at the start of the week. */
const INSERT_CAMPAIGNS = `
  insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
  select gen_random_uuid(), ?::uuid, 'analytics ' || g, 'AN' || g, '1h', case when g % 2 = 0 then 'LONG' else 'SHORT' end,
    'ACTIVE', 1, 0, ?::timestamptz, ?::timestamptz
  from generate_series(1, ?::int) g`;

/**
 * Closed positions spread over the campaigns and the week: entered, held 1–600 minutes, closed with
 * an exit; their figures (P&L, fees, R, excursions) as a close would have frozen them.
 */
const INSERT_CLOSED = `
  with c as (select id, account_id, side, symbol, row_number() over (order by id) as k from campaigns where account_id = ?::uuid),
  n as (select g, 1 + g % ${CAMPAIGNS} as k, ?::timestamptz + (g % 10000) * interval '1 minute' as entry from generate_series(1, ?::int) g),
  p as (
    select gen_random_uuid() as id, c.account_id, c.id as campaign_id, c.symbol, c.side,
      case when c.side = 'LONG' then (array['SPRING','SOS','LPS'])[1 + n.g % 3] else (array['UTAD','SOW','LPSY'])[1 + n.g % 3] end as pattern,
      n.entry, n.entry + (1 + n.g % 600) * interval '1 minute' as closed, 100 + n.g % 50 as entry_price, 10 + n.g % 90 as shares,
      (n.g % 21 - 8) * 0.5 as move
    from n join c on c.k = n.k)
  insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
    open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, closed_date,
    exit_price, realized_pnl, marked_at, max_favorable_price, max_adverse_price, r_multiple, mfe_r, mae_r, created_at, updated_at)
  select id, account_id, campaign_id, null, symbol, '1h', pattern, entry, entry_price, shares, 0,
    entry_price - case when side = 'LONG' then 2 else -2 end, entry_price - case when side = 'LONG' then 2 else -2 end, 0, 2 * shares,
    1, 2, entry_price + move, move * shares, 'CLOSED', closed, entry_price + move, move * shares, closed,
    entry_price + abs(move) + 1, entry_price - 1, round((move * shares - 2) / (2 * shares), 8), round((abs(move) + 1) / 2, 8), 0.5, entry, closed
  from p`;

/** Minute points of every campaign over the week, and the hourly and daily buckets they roll up to. */
const INSERT_EQUITY = `
  insert into campaign_equity (campaign_id, resolution, bucket, account_id, at, total_pnl, net_pnl, realized_pnl, unrealized_pnl, total_risk)
  select c.id, r.resolution, b.t, c.account_id, b.t + interval '30 seconds', v.total, v.total - 3, v.total / 2, v.total / 2, 400
  from campaigns c
  cross join (values ('1m', interval '1 minute'), ('1h', interval '1 hour'), ('1d', interval '1 day')) as r(resolution, step)
  cross join lateral generate_series(?::timestamptz, ?::timestamptz - r.step, r.step) as b(t)
  cross join lateral (select round((extract(epoch from b.t)::numeric % 9973) / 7 - 700, 8) as total) v
  where c.account_id = ?::uuid`;

async function main(): Promise<void> {
  const orm = await prepareDatabase(DATABASE_URL);
  const key = await benchKey(orm);
  const em = orm.em.fork();
  const t0 = performance.now();
  // Seeding takes longer than the services' statement timeout allows one statement.
  await em.transactional(async (tx) => {
    await tx.execute('set local statement_timeout = 0', [], 'run');
    await tx.execute(INSERT_CAMPAIGNS, [key.accountId, WEEK_START, WEEK_START, CAMPAIGNS], 'run');
    await tx.execute(INSERT_CLOSED, [key.accountId, WEEK_START, CLOSED], 'run');
    await tx.execute(INSERT_EQUITY, [WEEK_START, WEEK_END, key.accountId], 'run');
  });
  for (const t of ['campaigns', 'positions', 'campaign_equity']) await em.execute(`vacuum analyze ${t}`, [], 'run');
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const sizes = (await em.execute(
    `select c.relname as table, pg_size_pretty(pg_table_size(c.oid)) as data, pg_size_pretty(pg_indexes_size(c.oid)) as indexes
     from pg_class c where c.relname in ('positions', 'campaign_equity') order by c.relname`,
    [],
    'all',
  )) as Record<string, unknown>[];
  const [counts] = (await em.execute(
    `select (select count(*) from positions)::int as positions,
       (select count(*) from campaign_equity where resolution = '1m')::int as minute_points,
       (select count(*) from campaign_equity where resolution = '1h')::int as hour_points,
       (select count(*) from campaign_equity where resolution = '1d')::int as day_points`,
  )) as Record<string, number>[];
  console.log(`rows: ${JSON.stringify(counts)}`);
  console.table(sizes);

  const gateway = await benchGateway(orm);
  const base = `${gateway.base}/api/v1`;
  try {
    const [campaign] = (await em.execute('select id from campaigns where account_id = ? order by id limit 1', [key.accountId])) as {
      id: string;
    }[];
    const stats = await new StatsReads(orm.em).patterns(key.accountId, {});
    console.log(`\nstats over ${stats.reduce((n, s) => n + s.closed_positions, 0)} closed positions: ${stats.length} patterns`);
    // 1,000 minutes ending at the week's end, and the whole week hourly (168 points).
    const minutes = new Date(WEEK_END.getTime() - 1000 * 60_000).toISOString();
    const lastMinute = new Date(WEEK_END.getTime() - 60_000).toISOString();
    const series: [string, string][] = [
      ['stats/patterns (all)', `${base}/stats/patterns`],
      [
        'stats/patterns (LONG, 3 days)',
        `${base}/stats/patterns?side=LONG&from=${WEEK_START.toISOString()}&to=${new Date(WEEK_START.getTime() + 3 * 86_400_000).toISOString()}`,
      ],
      ['campaign equity, 1,000 x 1m', `${base}/campaigns/${campaign?.id}/equity?interval=1m&from=${minutes}&to=${lastMinute}`],
      ['account equity, 1,000 x 1m', `${base}/equity?interval=1m&from=${minutes}&to=${lastMinute}`],
      ['account equity, 168 x 1h', `${base}/equity?interval=1h&from=${WEEK_START.toISOString()}&to=${WEEK_END.toISOString()}`],
    ];
    for (const [label, url] of series) {
      const res = await fetch(url, { headers: key.headers });
      const body = (await res.json()) as { items?: unknown[]; points?: unknown[] };
      if (res.status !== 200) throw new Error(`${label}: ${res.status} ${JSON.stringify(body)}`);
      const count = body.points ? `${body.points.length} points` : `${body.items?.length} items`;
      console.log(line(`${label} (${count})`.slice(0, 34), await httpClients(url, key.headers, REQUESTS, 1, WARMUP)));
    }
  } finally {
    await gateway.close();
    await orm.close(true);
  }
}

await main();
