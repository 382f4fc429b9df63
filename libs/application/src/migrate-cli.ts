import { databaseUrlVar, parseEnv } from '@cpt/platform';
import { z } from 'zod';
import { migrate, openOrm } from './db/orm.js';

/** `node dist/src/migrate-cli.js`: applies pending migrations to DATABASE_URL. */
const env = parseEnv(z.object({ DATABASE_URL: databaseUrlVar }));
const orm = await openOrm({ url: env.DATABASE_URL, poolMax: 1, connectTimeoutMs: 10_000 });
try {
  const applied = await migrate(orm);
  console.log(applied.length ? `migrated: ${applied.join(', ')}` : 'migrations: up to date');
} finally {
  await orm.close(true);
}
