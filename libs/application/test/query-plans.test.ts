import { randomUUID } from 'node:crypto';
import type { Caller } from '@cpt/domain';
import { dec } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { CampaignCommands, CampaignReads, markPositions } from '../src/index.js';
import { MARKED, positionsFrom } from '../src/modules/positions/position.mapper.js';
import { newCaller, openTestOrm, uniqueSymbol } from './support.js';

const OTHER_CAMPAIGNS = 200;
const POSITIONS_PER_OTHER = 100;
const TARGET_POSITIONS = 1000;
const DESK_CAMPAIGNS = 5000;

/**
 * One campaign of 1,000 positions among 200 campaigns of 100 on 40 other symbols, inserted by one
 * statement: a third of every campaign's positions CLOSED (in one exit), a third OPEN after a
 * partial exit of 4 of their 10 shares, a third OPEN without exits. Their figures follow sections
 * 2, 8 and 9: entry 100–106, stop 95, marked at 101 (the only tick they saw, so their excursions
 * span the entry and 101); the CLOSED ones keep their R, MFE R and MAE R.
 */
const BULK_INSERT = `
  with c as (
    insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
    select case when g = 0 then ?::uuid else gen_random_uuid() end, ?::uuid, 'plan ' || g,
      case when g = 0 then ? else ? || (g % 40) end, '1h', 'LONG', 'ACTIVE', 1, 0, now(), now()
    from generate_series(0, ?) g
    returning id, account_id, symbol, name
  ),
  planned as (
    select gen_random_uuid() as id, c.account_id, c.id as campaign_id, c.symbol, n, (100 + n % 7)::numeric as entry,
      case n % 3 when 0 then 10 when 1 then 4 else 0 end as exited,
      case n % 3 when 0 then 102 else 103 end as exit_price,
      case n % 3 when 0 then timestamptz '2026-02-01' else timestamptz '2026-01-20' end as exit_date
    from c cross join lateral generate_series(1, case when c.name = 'plan 0' then ?::int else ?::int end) n
  ),
  p as (
    insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
      open_shares, stop_loss, initial_stop, risk, initial_risk, entry_fee, fees, current_price, current_pnl, status, closed_date,
      exit_price, realized_pnl, marked_at, max_favorable_price, max_adverse_price, r_multiple, mfe_r, mae_r, created_at, updated_at)
    select id, account_id, campaign_id, null, symbol, '1h', 'SPRING', timestamptz '2026-01-01' + n * interval '1 minute',
      entry, 10, 10 - exited, 95, 95, (entry - 95) * (10 - exited), (entry - 95) * 10, 0, 0,
      case when exited = 10 then exit_price else 101 end,
      case when exited = 10 then (exit_price - entry) * 10 else (101 - entry) * (10 - exited) end,
      case when exited = 10 then 'CLOSED' else 'OPEN' end,
      case when exited = 10 then exit_date end,
      case when exited = 10 then exit_price end,
      case when exited > 0 then (exit_price - entry) * exited end,
      timestamptz '2026-01-15', greatest(entry, 101), least(entry, 101),
      case when exited = 10 then round_half_even((exit_price - entry) / (entry - 95), 8) end,
      case when exited = 10 then round_half_even((greatest(entry, 101) - entry) / (entry - 95), 8) end,
      case when exited = 10 then round_half_even((entry - least(entry, 101)) / (entry - 95), 8) end,
      now(), now()
    from planned
    returning id
  )
  insert into exits (id, account_id, campaign_id, position_id, shares, price, date, fee, realized_pnl, created_at)
  select gen_random_uuid(), account_id, campaign_id, id, exited, exit_price, exit_date, 0, (exit_price - entry) * exited, now()
  from planned where exited > 0 and id in (select id from p)`;

/**
 * The predicate by which a symbol's ticks find the positions they reach: those its newest tick
 * marks (section 6) and those whose excursions its ticks move, late ticks too (section 9).
 */
const OPEN_OF_SYMBOL = `select p.id, p.campaign_id from positions p where p.symbol = $1 and p.status = 'OPEN' and p.entry_date <= $2::timestamptz
  and (p.marked_at is null or p.marked_at < $2::timestamptz
    or $3::numeric > greatest(p.max_favorable_price, p.max_adverse_price) or $4::numeric < least(p.max_favorable_price, p.max_adverse_price))`;

/** A statement as the library sent it to PostgreSQL. */
interface Statement {
  sql: string;
  bindings: unknown[];
}

describe('query plans over a realistic table', () => {
  let orm: MikroORM;
  let caller: Caller;
  const target = randomUUID();
  const symbol = uniqueSymbol('PLAN');

  beforeAll(async () => {
    orm = await openTestOrm();
    caller = await newCaller(orm);
    const em = orm.em.fork();
    await em.execute(
      BULK_INSERT,
      [target, caller.accountId, symbol, `${symbol}O`, OTHER_CAMPAIGNS, TARGET_POSITIONS, POSITIONS_PER_OTHER],
      'run',
    );
    // And a desk's other campaigns, each on a symbol of its own and without open positions: what a
    // batch must not scan to find the campaigns of its symbols.
    await em.execute(
      `insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
       select gen_random_uuid(), ?::uuid, 'desk ' || g, ? || g, '1h', 'LONG', 'ACTIVE', 1, 0, now(), now()
       from generate_series(1, ?) g`,
      [caller.accountId, `${symbol}D`, DESK_CAMPAIGNS],
      'run',
    );
    await em.execute('analyze campaigns', [], 'run');
    await em.execute('analyze positions', [], 'run');
    await em.execute('analyze exits', [], 'run');
  });
  afterAll(async () => orm.close());

  /** The statements a piece of library code sends, captured from the query builder underneath the ORM. */
  const statementsOf = async (work: () => Promise<unknown>): Promise<Statement[]> => {
    const knex = orm.em.getConnection().getKnex();
    const seen: Statement[] = [];
    const listen = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: q.bindings ?? [] });
    knex.on('query', listen);
    try {
      await work();
    } finally {
      knex.off('query', listen);
    }
    return seen;
  };

  const plan = async ({ sql, bindings }: Statement): Promise<string> => {
    // The driver saw `$n` placeholders; the query builder takes `?` ones, in order of appearance.
    const order: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      order.push(bindings[Number(n) - 1]);
      return '?';
    });
    const res = (await orm.em
      .getConnection()
      .getKnex()
      .raw(`explain ${text}`, order as never[])) as { rows: { 'QUERY PLAN': string }[] };
    return res.rows.map((r) => r['QUERY PLAN']).join('\n');
  };

  /**
   * The plan PostgreSQL caches for the statement once prepared (`Statement`s of src/db/sql.ts run
   * prepared: after a few runs on a connection it may keep one generic plan, blind to the values).
   */
  const genericPlan = ({ sql, bindings }: Statement): Promise<string> =>
    orm.em.fork().transactional(async (em) => {
      const knex = em.getConnection().getKnex();
      await query(em, 'set local plan_cache_mode = force_generic_plan');
      await query(em, `prepare cpt_plan_check as ${sql}`);
      const args = bindings.map((b) => knex.raw('?', [b as never]).toString()).join(', ');
      const rows = await query<{ 'QUERY PLAN': string }>(em, `explain execute cpt_plan_check(${args})`);
      await query(em, 'deallocate cpt_plan_check');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });

  /** The plan for these values and the generic plan, each with its name for the failure message. */
  const plans = async (st: Statement): Promise<[string, string][]> => {
    const generic = await genericPlan(st);
    // A generic plan shows the parameters, not their values.
    expect(generic).toMatch(/\$\d/);
    return [
      ['custom plan', await plan(st)],
      ['generic plan', generic],
    ];
  };

  const statementLike = (statements: Statement[], pattern: RegExp): Statement => {
    const found = statements.find((st) => pattern.test(st.sql));
    if (!found) throw new Error(`no statement matches ${pattern}: ${statements.map((st) => st.sql).join('\n---\n')}`);
    return found;
  };

  it('has the rows it plans over', async () => {
    const [row] = await query<{ n: number; open: number; exits: number }>(
      orm.em.fork(),
      `select count(*)::int as n, (count(*) filter (where status = 'OPEN'))::int as open,
         (select count(*)::int from exits where campaign_id = ?) as exits
       from positions where campaign_id = ?`,
      [target, target],
    );
    expect(row).toEqual({ n: TARGET_POSITIONS, open: 667, exits: 667 });
  });

  describe('getCampaignPositions', () => {
    let statements: Statement[];
    beforeAll(async () => {
      statements = await statementsOf(() =>
        new CampaignReads(orm.em).getCampaignPositions(caller.accountId, target, { includeClosed: true }),
      );
    });

    it('reads the positions of the campaign through a campaign index, each mark by its symbol', async () => {
      const st = statementLike(statements, /from positions p\b[\s\S]*where p\.campaign_id[\s\S]*order by p\.entry_date, p\.id/);
      for (const [which, text] of await plans(st)) {
        expect(text, which).toMatch(/positions_campaign_(entry|status)_idx/);
        expect(text, which).not.toContain('Seq Scan on positions');
        expect(text, which).not.toContain('Seq Scan on symbol_marks');
      }
    });

    it('sums the totals of the campaign through a campaign index', async () => {
      for (const [which, text] of await plans(statementLike(statements, /sum\([\s\S]*from positions/))) {
        expect(text, which).toMatch(/positions_campaign_(entry|status)_idx/);
        expect(text, which).not.toContain('Seq Scan on positions');
      }
    });
  });

  it('finds the open positions of a symbol through the partial symbol index', async () => {
    const text = await plan({ sql: OPEN_OF_SYMBOL, bindings: [symbol, '2026-03-01T00:00:00Z', '104', '99'] });
    expect(text).toContain('positions_open_symbol_idx');
  });

  // Section 8: an exit reads the position's earlier exits (their notional and last date) and
  // answers the position with its exits, each by the position's id. (A campaign's read asks for
  // the exits of hundreds of positions at once; on a table this small the planner may rightly
  // scan it, so only the one-position lookups are held to the index.)
  describe('exitPosition', () => {
    let statements: Statement[];
    beforeAll(async () => {
      const [row] = await query<{ id: string }>(
        orm.em.fork(),
        `select id::text from positions where campaign_id = ? and status = 'OPEN' and realized_pnl is not null order by entry_date, id limit 1`,
        [target],
      );
      if (!row) throw new Error('no OPEN position with an exit');
      statements = await statementsOf(() =>
        new CampaignCommands(orm.em).exitPosition(caller, row.id, { shares: dec('1'), price: dec('104') }),
      );
    });

    it("sums the position's earlier exits through the exits index", async () => {
      const text = await plan(statementLike(statements, /from exits where position_id = /));
      expect(text).toContain('exits_position_date_idx');
      expect(text).not.toContain('Seq Scan on exits');
    });

    it('reads the exits of the position it answers through the exits index', async () => {
      for (const [which, text] of await plans(statementLike(statements, /from exits e where e\.position_id/))) {
        expect(text, which).toContain('exits_position_date_idx');
        expect(text, which).not.toContain('Seq Scan on exits');
      }
    });
  });

  describe('markPositions', () => {
    let statements: Statement[];
    beforeAll(async () => {
      // Several ticks, the first among the entries: the statements take the batch's excursion
      // steps as well as its newest tick, and the positions entered after its first tick use them.
      const ticks = [
        ['101', '2026-03-01T00:00:00Z'],
        ['104', '2026-02-01T00:00:00Z'],
        ['99', '2026-01-01T08:00:00Z'],
      ] as const;
      statements = await statementsOf(() =>
        markPositions(
          orm.em,
          ticks.map(([price, ts]) => ({ symbol, price: dec(price), ts: new Date(ts) })),
        ),
      );
    });

    // The statement that picks (and locks) the campaigns a batch of ticks marks: one tick should
    // reach its symbol's campaigns through their index, not by reading every campaign.
    it('finds the campaigns a tick marks through the symbol index of campaigns', async () => {
      for (const [which, text] of await plans(
        statementLike(statements, /from campaigns c\s+where c\.id = any\(array\([\s\S]*for update of c/),
      )) {
        expect(text, which).toContain('campaigns_symbol_idx');
        expect(text, which).not.toContain('Seq Scan on campaigns');
        expect(text, which).not.toContain('Seq Scan on positions');
      }
    });

    it('updates the marked positions without reading the whole table', async () => {
      for (const [which, text] of await plans(statementLike(statements, /update positions p set\s+max_favorable_price/))) {
        expect(text, which).toContain('positions_open_symbol_idx');
        expect(text, which).toMatch(/positions_(campaign_status|campaign_entry)_idx|positions_pkey/);
        expect(text, which).not.toContain('Seq Scan on positions');
      }
    });

    // Section 8: a position whose stop the batch cannot have reached (stops at 95, ticks 99 to 104)
    // costs no look at the batch's crossings, nor at its ticks, which are not even parsed.
    it('reads neither crossings nor ticks of positions whose stops the batch did not reach', async () => {
      const update = statementLike(statements, /update positions p set\s+max_favorable_price/);
      const analyzed = await orm.em.fork().transactional(async (em) => {
        const order: unknown[] = [];
        const sql = update.sql.replace(/\$(\d+)/g, (_, n: string) => {
          // The same batch a month later: its newest tick marks every OPEN position again.
          const value = update.bindings[Number(n) - 1];
          order.push(typeof value === 'string' ? value.replaceAll('2026-03-01T', '2026-04-01T') : value);
          return '?';
        });
        const rows = await query<{ 'QUERY PLAN': string }>(em, `explain (analyze, costs off, timing off) ${sql}`, order);
        await em.rollback();
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      // Section 6: the mark moves for all 667 positions, yet none matches (their excursions and
      // stops are out of reach) and not one row is written: reads derive the mark.
      expect(analyzed).toMatch(/CTE Scan on m \(actual rows=0 /);
      expect(analyzed).toMatch(/Update on positions \w+ \(actual rows=0 /);
      expect(analyzed).toMatch(/Function Scan on json_to_recordset k \(never executed\)/);
      expect(analyzed).toMatch(/CTE Scan on instants d\w* \(never executed\)/);
      expect(analyzed).toMatch(/CTE instants\n\s+->\s+Function Scan on json_to_recordset \w+ \(never executed\)/);
    });

    it('moved the marks and excursions it planned for', async () => {
      // Every OPEN position saw 104; only those entered by 08:00 (the first 480) saw 99.
      const [row] = await query<{ marked: number; favorable: number; adverse: number; at99: number }>(
        orm.em.fork(),
        `select (count(*) filter (where ${MARKED.currentPrice('p')} = 101 and ${MARKED.markedAt('p')} = '2026-03-01T00:00:00Z'))::int as marked,
           (count(*) filter (where max_favorable_price = greatest(entry_price, 104)))::int as favorable,
           (count(*) filter (where max_adverse_price = case when entry_date <= '2026-01-01T08:00:00Z' then 99 else least(entry_price, 101) end))::int as adverse,
           (count(*) filter (where max_adverse_price = 99))::int as at99
         from ${positionsFrom('p')} where campaign_id = ? and status = 'OPEN'`,
        [target],
      );
      expect(row).toEqual({ marked: 667, favorable: 667, adverse: 667, at99: 320 });
    });
  });
});
