import { Migration } from '@mikro-orm/migrations';

/** Stops that act (section 8): breaches seen in the tick stream, and the campaign's automatic exit. */
export class Migration20261130090000StopsThatAct extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "campaigns" add column "auto_exit_on_stop" boolean not null default false;`);
    this.addSql(
      `alter table "positions" add column "stop_breached_at" timestamptz(3) null, add column "stop_breach_price" numeric(18,8) null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "positions" drop column "stop_breached_at", drop column "stop_breach_price";`);
    this.addSql(`alter table "campaigns" drop column "auto_exit_on_stop";`);
  }
}
