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
