import type { Scope } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query, statement } from '../../db/sql.js';
import { KEY, type KeyRow } from './key.mapper.js';

const COLUMNS = KEY.columns('k');

/** What verifying a key needs: the record and its account. */
export interface KeyAuthRow {
  id: string;
  account_id: string;
  name: string;
  scopes: Scope[];
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

export async function insertKey(
  em: EntityManager,
  k: {
    id: string;
    accountId: string;
    name: string;
    scopes: readonly Scope[];
    prefix: string;
    hash: string;
    expiresAt: Date | null;
    now: Date;
  },
): Promise<KeyRow> {
  const [row] = await query<KeyRow>(
    em,
    `insert into api_keys as k (id, account_id, name, scopes, prefix, hash, created_at, expires_at)
     values (?, ?, ?, ?::text[], ?, ?, ?, ?) returning ${COLUMNS}`,
    [k.id, k.accountId, k.name, pgArray(k.scopes), k.prefix, k.hash, k.now, k.expiresAt],
  );
  return row as KeyRow;
}

/** An account's keys, oldest first. */
export function selectKeysOfAccount(em: EntityManager, accountId: string): Promise<KeyRow[]> {
  return query<KeyRow>(em, `select ${COLUMNS} from api_keys k where k.account_id = ? order by k.created_at, k.id`, [accountId]);
}

const KEY_BY_HASH = statement('select k.id, k.account_id, k.name, k.scopes, k.expires_at, k.revoked_at from api_keys k where k.hash = ?');

/** The key with this hash, if any. */
export async function selectKeyByHash(em: EntityManager, hash: string): Promise<KeyAuthRow | undefined> {
  const [row] = await query<KeyAuthRow>(em, KEY_BY_HASH, [hash]);
  return row;
}

const LIVE_KEY_IDS = statement(
  'select k.id from api_keys k where k.id = any(?::uuid[]) and k.revoked_at is null and (k.expires_at is null or k.expires_at > ?)',
);

/** Of the given key ids, those neither revoked nor expired at `now`. */
export async function selectLiveKeyIds(em: EntityManager, ids: readonly string[], now: Date): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await query<{ id: string }>(em, LIVE_KEY_IDS, [pgArray(ids), now]);
  return new Set(rows.map((r) => r.id));
}

/** Revokes a key (a revoked key keeps its first revocation time); false when there is no such key. */
export async function revokeKeyRow(em: EntityManager, id: string, now: Date): Promise<boolean> {
  const rows = await query<{ id: string }>(em, 'update api_keys set revoked_at = coalesce(revoked_at, ?) where id = ? returning id', [
    now,
    id,
  ]);
  return rows.length > 0;
}

/** Records use of keys, skipping a key whose last recorded use is less than a minute old. */
export async function touchKeys(em: EntityManager, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  await query(
    em,
    `update api_keys set last_used_at = ? where id = any(?::uuid[])
       and (last_used_at is null or last_used_at < ?::timestamptz - interval '1 minute')`,
    [now, pgArray(ids), now],
  );
}
