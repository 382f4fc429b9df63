import { Migration } from '@mikro-orm/migrations';

/** Excursions (section 9), symbols' marks (section 6), the frozen figures of closed positions and the equity curves. */
export class Migration20261130030911ExcursionsMarksEquity extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "campaign_equity" ("campaign_id" uuid not null, "resolution" varchar(2) check ("resolution" in ('1m', '1h', '1d')) not null, "bucket" timestamptz(3) not null, "account_id" uuid not null, "at" timestamptz(3) not null, "total_pnl" numeric(18,8) not null, "net_pnl" numeric(18,8) not null, "realized_pnl" numeric(18,8) not null, "unrealized_pnl" numeric(18,8) not null, "total_risk" numeric(18,8) not null, constraint "campaign_equity_pkey" primary key ("campaign_id", "resolution", "bucket"));`,
    );
    this.addSql(`create index "campaign_equity_account_idx" on "campaign_equity" ("account_id", "resolution", "bucket");`);
    this.addSql(`create index "campaign_equity_resolution_bucket_idx" on "campaign_equity" ("resolution", "bucket");`);

    this.addSql(
      `create table "symbol_marks" ("symbol" varchar(32) not null, "price" numeric(18,8) not null, "ts" timestamptz(3) not null, "updated_at" timestamptz(3) not null, constraint "symbol_marks_pkey" primary key ("symbol"), constraint symbol_marks_price_check check (price > 0));`,
    );

    this.addSql(
      `alter table "campaign_equity" add constraint "campaign_equity_campaign_id_fkey" foreign key ("campaign_id") references "campaigns" ("id") on update no action on delete cascade;`,
    );
    this.addSql(
      `alter table "campaign_equity" add constraint "campaign_equity_account_id_fkey" foreign key ("account_id") references "accounts" ("id") on update no action on delete cascade;`,
    );

    // Generated as "add column … not null"; filled in first. The ticks a position saw before
    // excursions were kept are gone: its entry and current price are what is known of them.
    this.addSql(
      `alter table "positions" add column "max_favorable_price" numeric(18,8), add column "max_adverse_price" numeric(18,8), add column "r_multiple" numeric null, add column "mfe_r" numeric null, add column "mae_r" numeric null;`,
    );
    this.addSql(`update positions p set
      max_favorable_price = case when c.side = 'LONG' then greatest(p.entry_price, p.current_price) else least(p.entry_price, p.current_price) end,
      max_adverse_price = case when c.side = 'LONG' then least(p.entry_price, p.current_price) else greatest(p.entry_price, p.current_price) end
      from campaigns c where c.id = p.campaign_id;`);
    this.addSql(`alter table "positions" alter column "max_favorable_price" set not null, alter column "max_adverse_price" set not null;`);
    // The figures a closed position keeps, each a quotient rounded once, half to even: exactly, from
    // the integer quotient and remainder of the amounts in 10⁻⁸ units.
    const quotient = (n: string, d: string) => `(with q as (select abs(${n}) * 100000000 as a, abs(${d}) as b)
      select sign(${n}) * sign(${d}) * (div(a, b) + case when 2 * mod(a, b) > b or (2 * mod(a, b) = b and mod(div(a, b), 2) = 1) then 1 else 0 end) * 0.00000001 from q)`;
    this.addSql(`update positions set
      r_multiple = case when initial_risk <> 0 then ${quotient('realized_pnl - fees', 'initial_risk')} end,
      mfe_r = case when entry_price <> initial_stop then ${quotient('abs(max_favorable_price - entry_price)', 'abs(entry_price - initial_stop)')} else 0 end,
      mae_r = case when entry_price <> initial_stop then ${quotient('abs(max_adverse_price - entry_price)', 'abs(entry_price - initial_stop)')} else 0 end
      where status = 'CLOSED';`);
    this.addSql(`create index positions_closed_account_idx on positions (account_id, closed_date) where status = 'CLOSED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "campaign_equity" cascade;`);

    this.addSql(`drop table if exists "symbol_marks" cascade;`);

    this.addSql(`drop index "positions_closed_account_idx";`);
    this.addSql(
      `alter table "positions" drop column "max_favorable_price", drop column "max_adverse_price", drop column "r_multiple", drop column "mfe_r", drop column "mae_r";`,
    );
  }
}
