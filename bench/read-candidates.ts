/**
 * The candidates for a faster `GET /api/v1/campaigns/{id}/positions`, timed in-process on the same
 * campaign of 1,000 positions (a fifth with exits, a tenth closed) among ~20,000 other rows:
 *
 * - today: the read (3 statements, rows mapped in TypeScript) and `JSON.stringify`;
 * - (a) PostgreSQL renders the document: one statement of `json_build_object`/`json_agg` with every
 *   stored field as text, timestamps by `to_char`, `net_pnl`, the three R figures through
 *   `round_half_even`, the exits and the totals; a prototype to time (not checked byte for byte);
 * - (b) the gateway's kept body (`RenderedReads`): a hit is one indexed statement of the campaign's
 *   stamp and a lookup; a miss is that statement and today's read.
 *
 *   npx tsc -b
 *   DATABASE_URL=postgres://campaigns:campaigns@127.0.0.1:5432/bench npx tsx bench/read-candidates.ts
 *
 * The database is wiped and migrated on every run, so its name must contain "bench".
 * BENCH_REQUESTS sets the number of timed reads of each candidate (default 300).
 */
import { performance } from 'node:perf_hooks';
import { CampaignReads } from '@cpt/application';
import pg from 'pg';
import { RenderedReads } from '../services/gateway/src/routes/rendered-reads.js';
import { benchKey } from './lib/bench-env.js';
import { line, prepareDatabase, type Stats, stats } from './lib/latency.js';
import { seedReadCampaign } from './lib/scenario.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://campaigns:campaigns@127.0.0.1:5432/bench';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const SIZE = Number(process.env.BENCH_SIZE ?? 1000);

const ts = (e: string) => `to_char(${e} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const net = `coalesce(p.realized_pnl, 0) + case when p.status = 'OPEN' then p.current_pnl else 0 end - p.fees`;
const ratio = (num: string, den: string) => `case when ${den} = 0 then null else round_half_even((${num}) / (${den}), 8)::text end`;
const excursion = (extreme: string) =>
  `coalesce(${ratio(`abs(${extreme} - p.entry_price)`, 'abs(p.entry_price - p.initial_stop)')}, '0.00000000')`;

/** Candidate (a): the whole document from one statement (a position's object is 66 of json_build_object's 100 arguments). */
const RENDER_SQL = `
  select json_build_object('campaign_id', c.id, 'version', c.version, 'positions', coalesce(ps.list, '[]'::json),
    'total_shares', t.open_shares::text, 'weighted_avg_entry', case when t.open_shares = 0 then '0.00000000'
      else round_half_even(t.open_notional / t.open_shares, 8)::text end,
    'total_risk', t.open_risk::text, 'unrealized_pnl', t.unrealized::text, 'realized_pnl', t.realized::text,
    'total_pnl', (t.unrealized + t.realized)::text, 'total_fees', t.fees::text, 'net_pnl', (t.unrealized + t.realized - t.fees)::text,
    'initial_risk', t.initial_risk::text, 'r_multiple', ${ratio('t.unrealized + t.realized - t.fees', 't.initial_risk')},
    'open_positions_count', t.open_count, 'closed_positions_count', t.closed_count, 'breached_positions_count', t.breached_count,
    'as_of', ${ts('t.as_of')})::text as body
  from campaigns c
  cross join lateral (
    select json_agg(json_build_object('id', p.id, 'campaign_id', p.campaign_id, 'signal_id', p.signal_id, 'symbol', p.symbol,
        'timeframe', p.timeframe, 'pattern_type', p.pattern_type, 'entry_date', ${ts('p.entry_date')},
        'entry_price', p.entry_price::text, 'shares', p.shares::text, 'open_shares', p.open_shares::text,
        'stop_loss', p.stop_loss::text, 'initial_stop', p.initial_stop::text, 'initial_risk', p.initial_risk::text,
        'entry_fee', p.entry_fee::text, 'fees', p.fees::text, 'current_price', p.current_price::text,
        'current_pnl', p.current_pnl::text, 'net_pnl', (${net})::text, 'status', p.status,
        'closed_date', ${ts('p.closed_date')}, 'exit_price', p.exit_price::text,
        'realized_pnl', p.realized_pnl::text, 'max_favorable_price', p.max_favorable_price::text,
        'max_adverse_price', p.max_adverse_price::text, 'marked_at', ${ts('p.marked_at')},
        'stop_breached_at', ${ts('p.stop_breached_at')}, 'stop_breach_price', p.stop_breach_price::text,
        'created_at', ${ts('p.created_at')}, 'updated_at', ${ts('p.updated_at')},
        'r_multiple', ${ratio(net, 'p.initial_risk')}, 'mfe_r', ${excursion('p.max_favorable_price')},
        'mae_r', ${excursion('p.max_adverse_price')}, 'exits', coalesce(x.list, '[]'::json)) order by p.entry_date, p.id) as list
    from positions p
    left join lateral (
      select json_agg(json_build_object('id', e.id, 'shares', e.shares::text, 'price', e.price::text, 'date', ${ts('e.date')},
        'fee', e.fee::text, 'realized_pnl', e.realized_pnl::text, 'created_at', ${ts('e.created_at')}) order by e.date, e.id) as list
      from exits e where e.position_id = p.id and e.account_id = $2 and p.realized_pnl is not null) x on true
    where p.campaign_id = c.id and p.account_id = $2) ps
  cross join lateral (
    select coalesce(sum(open_shares) filter (where status = 'OPEN'), 0) as open_shares,
      coalesce(sum(entry_price * open_shares) filter (where status = 'OPEN'), 0) as open_notional,
      coalesce(sum(risk) filter (where status = 'OPEN'), 0) as open_risk,
      coalesce(sum(current_pnl) filter (where status = 'OPEN'), 0) as unrealized, coalesce(sum(realized_pnl), 0) as realized,
      coalesce(sum(fees), 0) as fees, coalesce(sum(initial_risk), 0) as initial_risk,
      (count(*) filter (where status = 'OPEN'))::int as open_count, (count(*) filter (where status = 'CLOSED'))::int as closed_count,
      (count(*) filter (where status = 'OPEN' and stop_breached_at is not null))::int as breached_count, max(marked_at) as as_of
    from positions where campaign_id = c.id and account_id = $2) t
  where c.id = $1 and c.account_id = $2`;

/** (a) without the three R figures of each position, which cost a `round_half_even` call each: a lower bound of (a). */
const RENDER_SQL_NO_R = RENDER_SQL.replace(
  `'r_multiple', ${ratio(net, 'p.initial_risk')}, 'mfe_r', ${excursion('p.max_favorable_price')},
        'mae_r', ${excursion('p.max_adverse_price')}, `,
  '',
);

async function timeWork(n: number, work: () => Promise<unknown>): Promise<Stats> {
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

async function main(): Promise<void> {
  const orm = await prepareDatabase(DATABASE_URL);
  const key = await benchKey(orm);
  const { accountId } = key;
  const id = await seedReadCampaign(orm, key.caller, SIZE);
  await orm.em.fork().execute('vacuum analyze', [], 'run');
  const reads = new CampaignReads(orm.em);
  const direct = new pg.Client({ connectionString: DATABASE_URL });
  await direct.connect();
  try {
    const today = async () => {
      const view = await reads.getCampaignPositions(accountId, id, { includeClosed: true });
      return { body: Buffer.from(JSON.stringify(view.data)), stamp: { seq: view.seq, version: view.data.version } };
    };
    const todayBody = (await today()).body;
    const rendered = (await direct.query<{ body: string }>(RENDER_SQL, [id, accountId])).rows[0]?.body ?? '';
    console.log(`node ${process.version}; campaign of ${SIZE} positions; today's body ${(todayBody.length / 1024).toFixed(0)} KiB`);
    console.log(
      `(a)'s prototype renders ${(Buffer.byteLength(rendered) / 1024).toFixed(0)} KiB (key order and spacing differ: not the contract's bytes)`,
    );
    console.log(`in-process, ${REQUESTS} reads each, ms\n`);
    console.log(line('today: getCampaignPositions + JSON.stringify', await timeWork(REQUESTS, today)));
    console.log(line('(a) PostgreSQL renders (pg, text)', await timeWork(REQUESTS, () => direct.query(RENDER_SQL, [id, accountId]))));
    if (RENDER_SQL_NO_R === RENDER_SQL) throw new Error('the lower bound of (a) renders the R figures');
    console.log(line("(a') the same without R figures", await timeWork(REQUESTS, () => direct.query(RENDER_SQL_NO_R, [id, accountId]))));
    const kept = new RenderedReads({ maxBytes: 64 * 1_048_576, stampOf: (a, c) => reads.stamp(a, c) });
    console.log(line('(b) kept body, hit (stamp + lookup)', await timeWork(REQUESTS, () => kept.read(accountId, id, 'positions', today))));
    const cold = new RenderedReads({ maxBytes: 0, stampOf: (a, c) => reads.stamp(a, c) });
    console.log(
      line(
        '(b) miss (stamp + today)',
        await timeWork(REQUESTS, async () => {
          await reads.stamp(accountId, id);
          return cold.read(accountId, id, 'positions', today);
        }),
      ),
    );
  } finally {
    await direct.end();
    await orm.close(true);
  }
}

await main();
