import type { AccountJson, AccountListJson, CreatedKeyJson, KeyJson } from '@cpt/contracts';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createAccount, findAccountsNamed, listAccounts } from './accounts/account.commands.js';
import { type CreateKeyInput, createKey, listKeys, revokeKey } from './keys/key.commands.js';
import type { KeyHasher } from './keys/key-hash.js';

/**
 * Accounts and their API keys, over all accounts: what the admin endpoints and the command-line
 * tool call (the caller's `admin` scope is checked at the edge).
 */
export class AccessAdmin {
  constructor(
    private readonly em: EntityManager,
    private readonly hasher: KeyHasher,
  ) {}

  createAccount(name: string): Promise<AccountJson> {
    return createAccount(this.em, name);
  }

  listAccounts(opts: { limit: number; cursor?: string }): Promise<AccountListJson> {
    return listAccounts(this.em, opts);
  }

  /** The accounts named `name`, oldest first. */
  accountsNamed(name: string): Promise<AccountJson[]> {
    return findAccountsNamed(this.em, name);
  }

  createKey(accountId: string, input: CreateKeyInput): Promise<CreatedKeyJson> {
    return createKey(this.em, this.hasher, accountId, input);
  }

  listKeys(accountId: string): Promise<{ items: KeyJson[] }> {
    return listKeys(this.em, accountId);
  }

  revokeKey(keyId: string): Promise<void> {
    return revokeKey(this.em, keyId);
  }
}
