import { migrate, openOrm } from '@cpt/application';

/**
 * Brings the test database to the current schema. With `reset`, it is emptied first so the run
 * starts from the schema alone; without, suites running side by side keep each other's data
 * (every test uses its own campaigns and symbols).
 */
export async function prepareDatabase(url: string, reset: boolean): Promise<void> {
  const orm = await openOrm({ url, poolMax: 1, connectTimeoutMs: 10_000 });
  try {
    if (reset) await orm.em.fork().execute('drop schema if exists public cascade; create schema public;', [], 'run');
    await migrate(orm);
  } finally {
    await orm.close(true);
  }
}
