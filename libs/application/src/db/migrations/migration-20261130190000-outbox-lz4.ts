import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox's payloads are compressed with lz4 instead of PostgreSQL's default pglz. A `marked`
 * event lists every position a mark moved (section 3): tens of KB for a campaign of 100 positions,
 * compressed when stored (TOAST) and stored only until it is published. pglz took most of the
 * insert's time (200 events of 44 KB: 57 ms with pglz, 21 ms with lz4, the JSON check included);
 * lz4 compresses almost as well. Only new values change: the rows already there keep their pglz.
 */
export class Migration20261130190000OutboxLz4 extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table campaign_events alter column payload set compression lz4;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table campaign_events alter column payload set compression default;');
  }
}
