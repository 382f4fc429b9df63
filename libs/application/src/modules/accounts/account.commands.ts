import { randomUUID } from 'node:crypto';
import type { AccountJson, AccountListJson } from '@cpt/contracts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { asDate } from '../../db/sql.js';
import { decodePageCursor, encodePageCursor } from '../paging/page-cursor.js';
import { accountJson } from './account.mapper.js';
import { insertAccount, selectAccountPage, selectAccountsNamed } from './account.repository.js';

/** Creates an account with the default settings. */
export async function createAccount(root: EntityManager, name: string, now = new Date()): Promise<AccountJson> {
  return accountJson(await insertAccount(root.fork(), { id: randomUUID(), name, now }));
}

/** A page of accounts, newest first. */
export async function listAccounts(root: EntityManager, opts: { limit: number; cursor?: string }): Promise<AccountListJson> {
  const after = opts.cursor === undefined ? undefined : decodePageCursor(opts.cursor);
  const rows = await selectAccountPage(root.fork(), opts.limit, after);
  const page = rows.slice(0, opts.limit);
  const last = page.at(-1);
  return {
    items: page.map(accountJson),
    next_cursor: rows.length > opts.limit && last ? encodePageCursor(asDate(last.created_at), last.id) : null,
  };
}

/** The accounts named `name`, oldest first (for the command-line tool). */
export async function findAccountsNamed(root: EntityManager, name: string): Promise<AccountJson[]> {
  return (await selectAccountsNamed(root.fork(), name)).map(accountJson);
}
