import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one raw statement inside the entity manager's transaction, if it has one, with its values
 * sent as bind parameters (`em.execute` would inline them into the SQL text, which costs dearly
 * for the large JSON values of the event outbox).
 */
export async function query<T>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const q = em
    .getConnection()
    .getKnex()
    .raw(sql, [...params] as never[]);
  const tx = em.getTransactionContext();
  if (tx) q.transacting(tx);
  const res = (await q) as { rows: T[] };
  return res.rows;
}

/**
 * A PostgreSQL array literal (`{"a","b"}`) for one `?::type[]` parameter: the query builder would
 * otherwise expand an array parameter into a list of parameters.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** A timestamp read back from the database as a Date, whichever way the driver parsed it. */
export function asDate(v: Date | string): Date {
  return v instanceof Date ? v : new Date(v);
}

/** Same for a nullable timestamp. */
export function asDateOrNull(v: Date | string | null): Date | null {
  return v === null ? null : asDate(v);
}
