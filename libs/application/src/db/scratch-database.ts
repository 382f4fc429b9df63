import pg from 'pg';
import { type MikroORM, migrate, openOrm } from './orm.js';

/** The URL of database `name` on the server of `url`. */
function onServer(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(name)}`;
  return u.toString();
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Runs `work` on an empty database `name` on the server of `serverUrl`, brought to the schema of
 * the committed migrations; the database is created when missing and emptied first. With
 * `dropAfter`, it is dropped at the end.
 */
export async function withMigratedScratchDatabase<T>(
  serverUrl: string,
  name: string,
  work: (orm: MikroORM) => Promise<T>,
  opts: { dropAfter?: boolean } = {},
): Promise<T> {
  const admin = new pg.Client({ connectionString: onServer(serverUrl, 'postgres') });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await admin.query(`create database ${quoted(name)}`);
  } finally {
    await admin.end();
  }
  let result: T;
  const orm = await openOrm({ url: onServer(serverUrl, name), poolMax: 2 });
  try {
    await orm.em.fork().execute('drop schema if exists public cascade; create schema public;', [], 'run');
    await migrate(orm);
    result = await work(orm);
  } finally {
    await orm.close(true);
  }
  if (opts.dropAfter) {
    const dropper = new pg.Client({ connectionString: onServer(serverUrl, 'postgres') });
    await dropper.connect();
    try {
      await dropper.query(`drop database if exists ${quoted(name)} with (force)`);
    } finally {
      await dropper.end();
    }
  }
  return result;
}

/** The SQL that would bring the database to the entities' schema; empty when they agree. */
export function schemaDiff(orm: MikroORM): Promise<string> {
  return orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false });
}
