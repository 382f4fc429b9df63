import { Migration } from '@mikro-orm/migrations';

/** Generated from the entities (`npm run migration:create`): positions.timeframe gains the check campaigns.timeframe has. */
export class Migration20261130001921PositionsTimeframeCheck extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "positions" add constraint "positions_timeframe_check" check("timeframe" in ('1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "positions" drop constraint if exists "positions_timeframe_check";`);

    this.addSql(`alter table "positions" alter column "timeframe" type varchar(3) using ("timeframe"::varchar(3));`);
  }
}
