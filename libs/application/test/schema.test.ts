import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { schemaDiff, withMigratedScratchDatabase } from '../src/db/scratch-database.js';
import { testDatabaseUrl } from './support.js';

describe('migrations and entities', () => {
  it('all migrations applied to an empty database give exactly the schema of the entities', async () => {
    const name = `campaigns_schema_${randomUUID().slice(0, 8)}`;
    const diff = await withMigratedScratchDatabase(testDatabaseUrl(), name, schemaDiff, { dropAfter: true });
    // A property added to an entity without `npm run migration:create` shows up here as its DDL.
    expect(diff.trim()).toBe('');
  });
});
