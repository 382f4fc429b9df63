import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * A statement of the hot paths, prepared once per connection: PostgreSQL parses and analyses it
 * the first time a connection runs it, and only binds and executes it after that (its plan may
 * then be cached, as PostgreSQL decides). Its text must be fixed (made once, at module load): a
 * connection keeps every statement it prepared, so a text that varied would pile up.
 */
export interface Statement {
  readonly text: string;
  /** The prepared statement's name on each connection, from a hash of the text. */
  readonly name: string;
}

/** A {@link Statement} of a fixed text. */
export function statement(text: string): Statement {
  return Object.freeze({ text, name: `cpt_${createHash('sha256').update(text).digest('hex').slice(0, 24)}` });
}

/**
 * Runs one raw statement inside the entity manager's transaction, if it has one, with its values
 * sent as bind parameters (`em.execute` would inline them into the SQL text, which costs dearly
 * for the large JSON values of the event outbox). A {@link Statement} runs prepared.
 */
export async function query<T>(em: EntityManager, sql: string | Statement, params: readonly unknown[] = []): Promise<T[]> {
  const q = em
    .getConnection()
    .getKnex()
    .raw(typeof sql === 'string' ? sql : sql.text, [...params] as never[]);
  // knex hands its options to the driver's query config: with a name, node-postgres prepares the
  // statement on the connection once and reuses it.
  if (typeof sql !== 'string') q.options({ name: sql.name });
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
