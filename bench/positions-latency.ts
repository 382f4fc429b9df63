/**
 * Latency of `GET /api/v1/campaigns/{id}/positions` through the real gateway, over real HTTP, on
 * campaigns of 150 and 1,000 positions among ~20,000 other rows; then where the time of one read
 * goes (its own statements, the whole read, JSON) and the plans of the statements the read runs.
 *
 *   npx tsc -b
 *   DATABASE_URL=postgres://campaigns:campaigns@127.0.0.1:5432/bench npx tsx bench/positions-latency.ts
 *
 * The database is created when missing and wiped and migrated on every run, so its name must
 * contain "bench". BENCH_REQUESTS sets the number of measured requests per series (default 300),
 * BENCH_SIZES the campaign sizes (default 150,1000).
 */
import { performance } from 'node:perf_hooks';
import { CampaignReads, type MikroORM } from '@cpt/application';
import pg from 'pg';
import { benchKey } from './lib/bench-env.js';
import { benchGateway, httpClients, line, prepareDatabase, type Stats, stats } from './lib/latency.js';
import { seedReadCampaign } from './lib/scenario.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://campaigns:campaigns@127.0.0.1:5432/bench';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUP = 100;
const CONCURRENCY = 8;
const SIZES = (process.env.BENCH_SIZES ?? '150,1000').split(',').map(Number);
const OTHER_CAMPAIGNS = 200;
const POSITIONS_PER_OTHER = 100;

/** Background: campaigns of 100 positions of the account on 40 other symbols, a third of them CLOSED. */
const INSERT_OTHERS = `
  with c as (
    insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
    select gen_random_uuid(), ?::uuid, 'other ' || g, 'OTHER' || (g % 40), '1h', 'LONG', 'ACTIVE', 1, 0, now(), now()
    from generate_series(1, ?::int) g returning id, account_id, symbol
  )
  insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
    open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, closed_date, exit_price,
    realized_pnl, marked_at, created_at, updated_at, max_favorable_price, max_adverse_price)
  select gen_random_uuid(), c.account_id, c.id, null, c.symbol, '1h', 'SPRING', timestamptz '2026-01-01' + n * interval '1 minute',
    100 + n % 7, 10, case when n % 3 = 0 then 0 else 10 end, 95, 95, case when n % 3 = 0 then 0 else (5 + n % 7) * 10 end,
    (5 + n % 7) * 10, 0, 0, 101, (1 - n % 7) * 10,
    case when n % 3 = 0 then 'CLOSED' else 'OPEN' end, case when n % 3 = 0 then timestamptz '2026-02-01' end,
    case when n % 3 = 0 then 102 end, case when n % 3 = 0 then (2 - n % 7) * 10 end,
    timestamptz '2026-01-15', now(), now(), 100 + n % 7, 100 + n % 7
  from c cross join generate_series(1, ?::int) n`;

/** Times a piece of in-process work `n` times after a warm-up. */
async function timeWork(n: number, work: () => Promise<unknown> | unknown): Promise<Stats> {
  for (let i = 0; i < 20; i++) await work();
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await work();
    latencies.push(performance.now() - s);
  }
  return stats(latencies, performance.now() - t0);
}

/** A statement as the application sent it to PostgreSQL (`$n` placeholders). */
interface Statement {
  sql: string;
  bindings: unknown[];
}

/** The statements a piece of application code sends, captured from the query builder under the ORM. */
async function statementsOf(orm: MikroORM, work: () => Promise<unknown>): Promise<Statement[]> {
  const knex = orm.em.getConnection().getKnex();
  const seen: Statement[] = [];
  const listen = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
  knex.on('query', listen);
  try {
    await work();
  } finally {
    knex.off('query', listen);
  }
  return seen.filter((q) => /^\s*select/i.test(q.sql));
}

async function explain(client: pg.Client, title: string, q: Statement): Promise<void> {
  const r = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql}`, q.bindings);
  console.log(`\n-- ${title}`);
  for (const row of r.rows) console.log(row['QUERY PLAN']);
}

async function main(): Promise<void> {
  const orm = await prepareDatabase(DATABASE_URL);
  const reads = new CampaignReads(orm.em);
  // The key every request presents (all scopes); every campaign is its account's.
  const key = await benchKey(orm);
  const { accountId } = key;
  await orm.em.fork().execute(INSERT_OTHERS, [accountId, OTHER_CAMPAIGNS, POSITIONS_PER_OTHER], 'run');
  const campaigns = new Map<number, string>();
  for (const size of SIZES) campaigns.set(size, await seedReadCampaign(orm, key.caller, size));
  await orm.em.fork().execute('vacuum analyze campaigns', [], 'run');
  await orm.em.fork().execute('vacuum analyze positions', [], 'run');
  const [{ n: totalRows } = { n: 0 }] = (await orm.em.fork().execute('select count(*)::int as n from positions')) as { n: number }[];

  const gateway = await benchGateway(orm);
  const { app } = gateway;
  const base = `${gateway.base}`;

  const direct = new pg.Client({ connectionString: DATABASE_URL });
  await direct.connect();
  console.log(`node ${process.version}, ${totalRows} position rows, ${REQUESTS} measured requests per series, ${WARMUP} warm-up`);
  console.log('latency in ms; HTTP from fetch() to the last byte of the body, the client on a worker thread\n');
  try {
    for (const size of SIZES) {
      const id = campaigns.get(size) as string;
      const url = `${base}/api/v1/campaigns/${id}/positions`;
      const res = await fetch(url, { headers: key.headers });
      const body = await res.text();
      const parsed = JSON.parse(body) as {
        positions: unknown[];
        open_positions_count: number;
        closed_positions_count: number;
        unrealized_pnl: string;
      };
      console.log(
        `campaign of ${size}: ${parsed.positions.length} positions (${parsed.open_positions_count} open, ${parsed.closed_positions_count} closed), body ${(body.length / 1024).toFixed(0)} KiB, unrealized ${parsed.unrealized_pnl}`,
      );
      console.log(line('  HTTP sequential (1 client)', await httpClients(url, key.headers, REQUESTS, 1, WARMUP)));
      console.log(
        line(
          `  HTTP concurrent (${CONCURRENCY} clients)`,
          await httpClients(url, key.headers, Math.max(REQUESTS, 400), CONCURRENCY, WARMUP),
        ),
      );

      // Where the time of one read goes, in-process: the read's own statements alone, then the whole
      // read (SQL + mapping), then JSON.
      const read = () => reads.getCampaignPositions(accountId, id, { includeClosed: true });
      const statements = await statementsOf(orm, read);
      const view = (await read()).data;
      for (const [i, q] of statements.entries())
        console.log(line(`  in-process: statement ${i + 1}, pg`, await timeWork(REQUESTS, () => direct.query(q.sql, q.bindings))));
      console.log(line('  in-process: getCampaignPositions', await timeWork(REQUESTS, read)));
      console.log(line('  in-process: JSON.stringify(view)', await timeWork(REQUESTS, () => JSON.stringify(view))));
      console.log(
        line(
          '  HTTP app.inject (no socket)',
          await timeWork(REQUESTS, () => app.inject({ method: 'GET', url: `/api/v1/campaigns/${id}/positions`, headers: key.headers })),
        ),
      );
      console.log('');
    }

    for (const size of SIZES) {
      const id = campaigns.get(size) as string;
      const statements = await statementsOf(orm, () => reads.getCampaignPositions(accountId, id, { includeClosed: true }));
      for (const [i, q] of statements.entries()) await explain(direct, `statement ${i + 1} of the read of the campaign of ${size}`, q);
    }
  } finally {
    await direct.end();
    await gateway.close();
    await orm.close(true);
  }
}

await main();
