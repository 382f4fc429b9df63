import { Migration } from '@mikro-orm/migrations';

/** Exits, fees and R (section 8): the exits table, and each position's open shares, fees and initial risk. */
export class Migration20261130024751ExitsFeesAndRisk extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "exits" ("id" uuid not null, "account_id" uuid not null, "campaign_id" uuid not null, "position_id" uuid not null, "shares" numeric(18,8) not null, "price" numeric(18,8) not null, "date" timestamptz(3) not null, "fee" numeric(18,8) not null, "realized_pnl" numeric(18,8) not null, "created_at" timestamptz(3) not null, constraint "exits_pkey" primary key ("id"), constraint exits_shares_check check (shares > 0), constraint exits_price_check check (price > 0), constraint exits_fee_check check (fee >= 0));`,
    );
    this.addSql(`create index "exits_position_date_idx" on "exits" ("position_id", "date", "id");`);

    this.addSql(
      `alter table "exits" add constraint "exits_account_id_fkey" foreign key ("account_id") references "accounts" ("id") on update no action on delete restrict;`,
    );
    this.addSql(
      `alter table "exits" add constraint "exits_campaign_id_fkey" foreign key ("campaign_id") references "campaigns" ("id") on update no action on delete restrict;`,
    );
    this.addSql(
      `alter table "exits" add constraint "exits_position_id_fkey" foreign key ("position_id") references "positions" ("id") on update no action on delete restrict;`,
    );

    this.addSql(`alter table "positions" drop constraint positions_check;`);

    // Generated as "add column … not null"; filled in first, then made not null. A position closed
    // before exits existed was closed in one piece: it gets that one exit, with no fee. Its stop at
    // entry was not kept, so the stop it has now is the best record of it.
    this.addSql(
      `alter table "positions" add column "open_shares" numeric(18,8), add column "initial_stop" numeric(18,8), add column "initial_risk" numeric(18,8), add column "entry_fee" numeric(18,8), add column "fees" numeric(18,8);`,
    );
    this.addSql(
      `update positions set open_shares = case when status = 'OPEN' then shares else 0 end, initial_stop = stop_loss, initial_risk = risk, entry_fee = 0, fees = 0, risk = case when status = 'OPEN' then risk else 0 end;`,
    );
    this.addSql(
      `alter table "positions" alter column "open_shares" set not null, alter column "initial_stop" set not null, alter column "initial_risk" set not null, alter column "entry_fee" set not null, alter column "fees" set not null;`,
    );
    this.addSql(`insert into exits (id, account_id, campaign_id, position_id, shares, price, date, fee, realized_pnl, created_at)
      select gen_random_uuid(), account_id, campaign_id, id, shares, exit_price, closed_date, 0, realized_pnl, updated_at from positions where status = 'CLOSED';`);
    this.addSql(`create index positions_open_account_idx on positions (account_id) where status = 'OPEN';`);
    this.addSql(`alter table "positions" add constraint positions_initial_stop_check check(initial_stop > 0);`);
    this.addSql(`alter table "positions" add constraint positions_entry_fee_check check(entry_fee >= 0 and fees >= entry_fee);`);
    this.addSql(`alter table "positions" add constraint positions_open_shares_check check(open_shares >= 0 and open_shares <= shares);`);
    this.addSql(
      `alter table "positions" add constraint positions_check check((status = 'OPEN' and closed_date is null and exit_price is null and open_shares > 0) or (status <> 'OPEN' and closed_date is not null and exit_price is not null and realized_pnl is not null and open_shares = 0));`,
    );
  }

  override async down(): Promise<void> {
    // Partial exits cannot be undone: the positions keep the figures of section 2 only.
    this.addSql(`drop table if exists "exits" cascade;`);

    this.addSql(`drop index "positions_open_account_idx";`);
    this.addSql(`alter table "positions" drop constraint positions_initial_stop_check;`);
    this.addSql(`alter table "positions" drop constraint positions_entry_fee_check;`);
    this.addSql(`alter table "positions" drop constraint positions_open_shares_check;`);
    this.addSql(`alter table "positions" drop constraint positions_check;`);
    this.addSql(
      `alter table "positions" drop column "open_shares", drop column "initial_stop", drop column "initial_risk", drop column "entry_fee", drop column "fees";`,
    );

    this.addSql(
      `alter table "positions" add constraint positions_check check((status = 'OPEN'::text) = ((closed_date IS NULL) AND (exit_price IS NULL) AND (realized_pnl IS NULL)));`,
    );
  }
}
