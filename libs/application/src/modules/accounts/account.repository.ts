import type { EntityManager } from '@mikro-orm/postgresql';
import { query } from '../../db/sql.js';
import type { PageCursor } from '../paging/page-cursor.js';
import { ACCOUNT_COLUMNS, type AccountRow } from './account.mapper.js';

export async function insertAccount(em: EntityManager, a: { id: string; name: string; now: Date }): Promise<AccountRow> {
  const [row] = await query<AccountRow>(
    em,
    `insert into accounts as a (id, name, created_at, updated_at) values (?, ?, ?, ?) returning ${ACCOUNT_COLUMNS}`,
    [a.id, a.name, a.now, a.now],
  );
  return row as AccountRow;
}

export async function selectAccount(em: EntityManager, id: string): Promise<AccountRow | undefined> {
  const [row] = await query<AccountRow>(em, `select ${ACCOUNT_COLUMNS} from accounts a where a.id = ?`, [id]);
  return row;
}

/** Accounts named `name`, oldest first. */
export function selectAccountsNamed(em: EntityManager, name: string): Promise<AccountRow[]> {
  return query<AccountRow>(em, `select ${ACCOUNT_COLUMNS} from accounts a where a.name = ? order by a.created_at, a.id`, [name]);
}

/** A page of accounts, newest first, one more than `limit` when more follow. */
export function selectAccountPage(em: EntityManager, limit: number, after?: PageCursor): Promise<AccountRow[]> {
  return query<AccountRow>(
    em,
    `select ${ACCOUNT_COLUMNS} from accounts a ${after ? 'where (a.created_at, a.id) < (?::timestamptz, ?::uuid)' : ''}
     order by a.created_at desc, a.id desc limit ?`,
    after ? [after.createdAt, after.id, limit + 1] : [limit + 1],
  );
}
