import { migrate, openOrm } from '@cpt/persistence';

/** Empties the test database and applies every migration, so each run starts from the schema alone. */
export async function resetDatabase(url: string): Promise<void> {
  const orm = await openOrm({ url, poolMax: 1, connectTimeoutMs: 10_000 });
  try {
    await orm.em.fork().execute('drop schema if exists public cascade; create schema public;', [], 'run');
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
}
