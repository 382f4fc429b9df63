import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from '../accounts/account.entity.js';

/** An API key of an account. Only a keyed hash of the key is kept (see key-hash.ts). */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  uniques: [{ name: 'api_keys_hash_key', properties: ['hash'] }],
  indexes: [{ name: 'api_keys_account_idx', properties: ['account', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    account: () => p.manyToOne(Account).foreignKeyName('api_keys_account_id_fkey').deleteRule('restrict').updateRule('no action'),
    name: p.string().length(200),
    scopes: p.array(),
    prefix: p.string().length(12),
    hash: p.string().length(64),
    createdAt: p.datetime().length(3),
    expiresAt: p.datetime().length(3).nullable(),
    revokedAt: p.datetime().length(3).nullable(),
    lastUsedAt: p.datetime().length(3).nullable(),
  },
});
export type ApiKeyEntity = InferEntity<typeof ApiKey>;
