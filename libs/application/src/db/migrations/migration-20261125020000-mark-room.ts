import { Migration } from '@mikro-orm/migrations';

/**
 * Leaves room in each page of `positions` so that marks, which touch no indexed column, can
 * update rows in place (heap-only tuple updates) instead of adding an entry to every index.
 */
export class Migration20261125020000MarkRoom extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table positions set (fillfactor = 80);');
  }

  override async down(): Promise<void> {
    this.addSql('alter table positions reset (fillfactor);');
  }
}
