import { AccessAdmin, createKeyHasher, createKeyVerifier, type KeyVerifier, type MikroORM } from '@cpt/application';
import { type Caller, SCOPES, type Scope } from '@cpt/domain';

/** The secret the tests' services hash API keys under (a test secret, never a deployment's). */
export const TEST_API_KEY_SECRET = 'test-only-api-key-secret-0123456789abcdef';

/** The hasher of the tests' services. */
export const testKeyHasher = createKeyHasher(TEST_API_KEY_SECRET);

/** A verifier of keys in the test database, as the services build it (a short cache, for revocation tests). */
export function testKeyVerifier(orm: MikroORM, cacheMs = 200): KeyVerifier {
  return createKeyVerifier({ em: orm.em, hasher: testKeyHasher, cacheMs });
}

/** A key of a fresh account: what a test presents, and who it proves to be. */
export interface TestKey {
  key: string;
  keyId: string;
  accountId: string;
  caller: Caller;
  /** `{ authorization: 'Bearer …' }` */
  headers: { authorization: string };
}

/** Creates a key (all four scopes unless told) for a new account, or for the account given. */
export async function createTestKey(
  orm: MikroORM,
  opts: { scopes?: readonly Scope[]; accountId?: string; name?: string; expiresAt?: Date } = {},
): Promise<TestKey> {
  const admin = new AccessAdmin(orm.em, testKeyHasher);
  const accountId = opts.accountId ?? (await admin.createAccount(`test account ${Math.random().toString(36).slice(2, 8)}`)).id;
  const scopes = opts.scopes ?? SCOPES;
  const created = await admin.createKey(accountId, { name: opts.name ?? 'test key', scopes, expiresAt: opts.expiresAt ?? null });
  return {
    key: created.key,
    keyId: created.id,
    accountId,
    caller: { accountId, keyId: created.id, keyName: created.name, scopes: created.scopes },
    headers: { authorization: `Bearer ${created.key}` },
  };
}

/** The access settings of a service the tests build in-process. */
export function testAccess(orm: MikroORM, overrides: { rateMax?: number; rateWindowMs?: number; corsOrigins?: readonly string[] } = {}) {
  const keys = testKeyVerifier(orm);
  return {
    keys,
    hasher: testKeyHasher,
    verify: (key: string) => keys.verify(key),
    corsOrigins: overrides.corsOrigins ?? [],
    rateMax: overrides.rateMax ?? 100_000,
    rateWindowMs: overrides.rateWindowMs ?? 1000,
  };
}
