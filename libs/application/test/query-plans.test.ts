import { randomUUID } from 'node:crypto';
import type { Caller } from '@cpt/domain';
import { dec } from '@cpt/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../src/db/sql.js';
import type { MikroORM } from '../src/index.js';
import { CampaignReads, markPositions } from '../src/index.js';
import { newCaller, openTestOrm, uniqueSymbol } from './support.js';

const OTHER_CAMPAIGNS = 200;
const POSITIONS_PER_OTHER = 100;
const TARGET_POSITIONS = 1000;

/**
 * One campaign of 1,000 positions among 200 campaigns of 100 on 40 other symbols, a third of
 * every campaign's positions CLOSED, inserted by one statement.
 */
const BULK_INSERT = `
  with c as (
    insert into campaigns (id, account_id, name, symbol, timeframe, side, status, version, last_seq, created_at, updated_at)
    select case when g = 0 then ?::uuid else gen_random_uuid() end, ?::uuid, 'plan ' || g,
      case when g = 0 then ? else ? || (g % 40) end, '1h', 'LONG', 'ACTIVE', 1, 0, now(), now()
    from generate_series(0, ?) g
    returning id, account_id, symbol, name
  )
  insert into positions (id, account_id, campaign_id, signal_id, symbol, timeframe, pattern_type, entry_date, entry_price, shares,
    stop_loss, risk, current_price, current_pnl, status, closed_date, exit_price, realized_pnl, marked_at, created_at, updated_at)
  select gen_random_uuid(), c.account_id, c.id, null, c.symbol, '1h', 'SPRING', timestamptz '2026-01-01' + n * interval '1 minute',
    100 + n % 7, 10, 95, 50, 101, 10,
    case when n % 3 = 0 then 'CLOSED' else 'OPEN' end,
    case when n % 3 = 0 then timestamptz '2026-02-01' end,
    case when n % 3 = 0 then 102 end,
    case when n % 3 = 0 then 20 end,
    timestamptz '2026-01-15', now(), now()
  from c cross join lateral generate_series(1, case when c.name = 'plan 0' then ?::int else ?::int end) n`;

/** The predicate by which a tick finds the positions it marks (section 6 of the contract). */
const OPEN_OF_SYMBOL = `select p.id, p.campaign_id from positions p where p.symbol = $1 and p.status = 'OPEN' and p.entry_date <= $2::timestamptz
  and (p.marked_at is null or p.marked_at < $2::timestamptz)`;

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
    await em.execute('analyze campaigns', [], 'run');
    await em.execute('analyze positions', [], 'run');
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

  const statementLike = (statements: Statement[], pattern: RegExp): Statement => {
    const found = statements.find((st) => pattern.test(st.sql));
    if (!found) throw new Error(`no statement matches ${pattern}: ${statements.map((st) => st.sql).join('\n---\n')}`);
    return found;
  };

  it('has the rows it plans over', async () => {
    const [row] = await query<{ n: number }>(orm.em.fork(), 'select count(*)::int as n from positions where campaign_id = ?', [target]);
    expect(row?.n).toBe(TARGET_POSITIONS);
  });

  describe('getCampaignPositions', () => {
    let statements: Statement[];
    beforeAll(async () => {
      statements = await statementsOf(() =>
        new CampaignReads(orm.em).getCampaignPositions(caller.accountId, target, { includeClosed: true }),
      );
    });

    it('reads the positions of the campaign through a campaign index', async () => {
      const text = await plan(statementLike(statements, /from positions p where p\.campaign_id[\s\S]*order by p\.entry_date, p\.id/));
      expect(text).toMatch(/positions_campaign_(entry|status)_idx/);
      expect(text).not.toContain('Seq Scan on positions');
    });

    it('sums the totals of the campaign through a campaign index', async () => {
      const text = await plan(statementLike(statements, /sum\([\s\S]*from positions/));
      expect(text).toMatch(/positions_campaign_(entry|status)_idx/);
      expect(text).not.toContain('Seq Scan on positions');
    });
  });

  it('finds the open positions of a symbol through the partial symbol index', async () => {
    const text = await plan({ sql: OPEN_OF_SYMBOL, bindings: [symbol, '2026-03-01T00:00:00Z'] });
    expect(text).toContain('positions_open_symbol_idx');
  });

  describe('markPositions', () => {
    let statements: Statement[];
    beforeAll(async () => {
      statements = await statementsOf(() => markPositions(orm.em, [{ symbol, price: dec('101'), ts: new Date('2026-03-01T00:00:00Z') }]));
    });

    // The statement that picks (and locks) the campaigns a batch of ticks marks: one tick should
    // reach its positions through the partial index, not by reading every row ever stored.
    it('finds the campaigns a tick marks through the partial symbol index', async () => {
      const text = await plan(statementLike(statements, /for update/));
      expect(text).toContain('positions_open_symbol_idx');
      expect(text).not.toContain('Seq Scan on positions');
    });

    it('updates the marked positions without reading the whole table', async () => {
      const text = await plan(statementLike(statements, /^\s*update positions/));
      expect(text).toMatch(/positions_(open_symbol|campaign_status|campaign_entry)_idx|positions_pkey/);
      expect(text).not.toContain('Seq Scan on positions');
    });
  });
});
