import { Migration } from '@mikro-orm/migrations';

/**
 * Marks per symbol (section 6): reads derive every OPEN position's P&L from its symbol's mark, so
 * `round_half_even` runs on every read of a position instead of once per write. It now rounds with
 * the built-in `round` and looks at the digits only on an exact tie (a value whose double has at
 * most `s` decimals but which itself has more), about half the cost; its value is the same, now
 * always with exactly `s` decimals. A batch finds the campaigns its marks reach by symbol.
 */
export class Migration20261130120000MarksPerSymbol extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create or replace function round_half_even(v numeric, s integer) returns numeric
      language sql immutable strict parallel safe as $$
        select case
          when v * 2 = trunc(v * 2, s) and v <> trunc(v, s) and mod(trunc(v, s) * power(10::numeric, s), 2) = 0
          then trunc(v, s)
          else round(v, s)
        end
      $$;`);
    // A batch of marks locks the campaigns of its symbols.
    this.addSql('create index campaigns_symbol_idx on campaigns (symbol);');
  }

  override async down(): Promise<void> {
    // The versions before read a position's mark from its row: write into each OPEN position the
    // mark it carries now (its symbol's, once not before its entry, when its P&L fits).
    this.addSql(`
      update positions p set current_price = m.price, current_pnl = m.pnl, marked_at = m.ts,
        updated_at = greatest(p.updated_at, m.updated_at)
      from (select q.id, s.price, s.ts, s.updated_at,
              round_half_even(case when c.side = 'LONG' then s.price - q.entry_price else q.entry_price - s.price end * q.open_shares, 8) as pnl
            from positions q join campaigns c on c.id = q.campaign_id join symbol_marks s on s.symbol = q.symbol and s.ts >= q.entry_date
            where q.status = 'OPEN') m
      where p.id = m.id and abs(m.pnl) <= 9999999999.99999999;`);
    this.addSql('drop index if exists campaigns_symbol_idx;');
    this.addSql(`
      create or replace function round_half_even(v numeric, s integer) returns numeric
      language sql immutable strict parallel safe as $$
        select case
          when abs(v * power(10::numeric, s) - trunc(v * power(10::numeric, s))) = 0.5
           and mod(trunc(v * power(10::numeric, s)), 2) = 0
          then trunc(v * power(10::numeric, s)) / power(10::numeric, s)
          else round(v, s)
        end
      $$;`);
  }
}
