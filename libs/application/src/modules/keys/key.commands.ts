import { randomUUID } from 'node:crypto';
import type { CreatedKeyJson, KeyJson } from '@cpt/contracts';
import { NotFoundError, type Scope } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { selectAccount } from '../accounts/account.repository.js';
import { keyJson } from './key.mapper.js';
import { insertKey, revokeKeyRow, selectKeysOfAccount } from './key.repository.js';
import { type KeyHasher, newKey, PREFIX_LENGTH } from './key-hash.js';

export interface CreateKeyInput {
  name: string;
  scopes: readonly Scope[];
  expiresAt?: Date | null;
}

/** Creates a key for an account; the answer holds the key, which is never shown again. */
export async function createKey(
  root: EntityManager,
  hasher: KeyHasher,
  accountId: string,
  input: CreateKeyInput,
  now = new Date(),
): Promise<CreatedKeyJson> {
  return root.fork().transactional(async (em) => {
    if (!(await selectAccount(em, accountId))) throw new NotFoundError('account', accountId);
    const key = newKey();
    const row = await insertKey(em, {
      id: randomUUID(),
      accountId,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      prefix: key.slice(0, PREFIX_LENGTH),
      hash: hasher(key),
      expiresAt: input.expiresAt ?? null,
      now,
    });
    return { ...keyJson(row), key };
  });
}

/** An account's keys. */
export async function listKeys(root: EntityManager, accountId: string): Promise<{ items: KeyJson[] }> {
  const em = root.fork();
  if (!(await selectAccount(em, accountId))) throw new NotFoundError('account', accountId);
  return { items: (await selectKeysOfAccount(em, accountId)).map(keyJson) };
}

/** Revokes a key; revoking a revoked key changes nothing. */
export async function revokeKey(root: EntityManager, keyId: string, now = new Date()): Promise<void> {
  if (!(await revokeKeyRow(root.fork(), keyId, now))) throw new NotFoundError('key', keyId);
}
