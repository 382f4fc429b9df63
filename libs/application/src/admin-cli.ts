/**
 * `npm run admin -- <command>`: accounts and API keys, straight in the database (DATABASE_URL,
 * API_KEY_SECRET), so that a new deployment can make its first admin key.
 *
 *   accounts create <name>
 *   accounts list
 *   keys create <account id or name> <key name> [--scopes campaigns:read,campaigns:write,ticks:write,admin] [--expires-at RFC3339]
 *   keys list <account id or name>
 *   keys revoke <key id>
 *
 * Output is JSON on stdout; a created key is printed once and never again.
 *
 *   dev-key <file>     (for `make up`) makes sure <file> holds a valid all-scopes key of the
 *                      account `dev`: when it is missing or no longer valid, creates the account
 *                      (if none is named `dev`) and a key, and writes the key to <file>, mode 0600.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseTimestamp } from '@cpt/contracts';
import { isDomainError, isScope, SCOPES, type Scope } from '@cpt/domain';
import { apiKeySecretVar, databaseUrlVar, parseEnv } from '@cpt/platform';
import { z } from 'zod';
import { openOrm } from './db/orm.js';
import { AccessAdmin } from './modules/access-admin.js';
import { createKeyHasher, type KeyHasher } from './modules/keys/key-hash.js';
import { createKeyVerifier } from './modules/keys/key-verifier.js';

const USAGE = `usage: npm run admin -- accounts create <name> | accounts list
       npm run admin -- keys create <account id or name> <key name> [--scopes ${SCOPES.join(',')}] [--expires-at <RFC 3339>]
       npm run admin -- keys list <account id or name> | keys revoke <key id>`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return value;
}

async function accountId(admin: AccessAdmin, ref: string | undefined): Promise<string> {
  if (!ref) throw new UsageError('name the account (its id or its name)');
  if (UUID.test(ref)) return ref.toLowerCase();
  const named = await admin.accountsNamed(ref);
  if (named.length === 0) throw new UsageError(`no account is named ${ref}`);
  if (named.length > 1) throw new UsageError(`${named.length} accounts are named ${ref}: give its id`);
  return (named[0] as { id: string }).id;
}

/** The `dev-key` command: a valid all-scopes key of the account `dev` in `file`, made when needed. */
async function devKey(admin: AccessAdmin, em: ConstructorParameters<typeof AccessAdmin>[0], hasher: KeyHasher, file: string | undefined) {
  if (!file) throw new UsageError('dev-key needs the file to write the key to');
  if (existsSync(file)) {
    const verifier = createKeyVerifier({ em, hasher, cacheMs: 0, touchEveryMs: 3_600_000 });
    try {
      const caller = await verifier.verify(readFileSync(file, 'utf8').trim());
      if (caller && SCOPES.every((s) => caller.scopes.includes(s))) return { file, created: false };
    } finally {
      await verifier.close();
    }
  }
  const [account] = await admin.accountsNamed('dev');
  const id = account?.id ?? (await admin.createAccount('dev')).id;
  const created = await admin.createKey(id, { name: 'dev', scopes: SCOPES });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { file, created: true, account_id: id, key_id: created.id, prefix: created.prefix };
}

async function run(admin: AccessAdmin, argv: string[], devKeyOf: (file: string | undefined) => Promise<unknown>): Promise<unknown> {
  const args = [...argv];
  const [what, verb] = [args.shift(), args.shift()];
  if (what === 'dev-key') return devKeyOf(verb);
  if (what === 'accounts' && verb === 'create') {
    const name = args.join(' ').trim();
    if (!name) throw new UsageError('name the account');
    return admin.createAccount(name);
  }
  if (what === 'accounts' && verb === 'list') {
    const items = [];
    let cursor: string | undefined;
    do {
      const page = await admin.listAccounts({ limit: 200, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return { items };
  }
  if (what === 'keys' && verb === 'create') {
    const scopesText = option(args, '--scopes') ?? SCOPES.join(',');
    const expiresText = option(args, '--expires-at');
    const scopes = scopesText.split(',').map((s) => s.trim());
    const bad = scopes.filter((s) => !isScope(s));
    if (bad.length > 0 || scopes.length === 0) throw new UsageError(`unknown scope ${bad.join(', ')}; the scopes are ${SCOPES.join(', ')}`);
    const expiresAt = expiresText === undefined ? null : parseTimestamp(expiresText);
    if (expiresText !== undefined && expiresAt === null) throw new UsageError('--expires-at takes an RFC 3339 timestamp with an offset');
    const id = await accountId(admin, args.shift());
    const name = args.join(' ').trim();
    if (!name) throw new UsageError('name the key');
    return admin.createKey(id, { name, scopes: scopes as Scope[], expiresAt });
  }
  if (what === 'keys' && verb === 'list') return admin.listKeys(await accountId(admin, args.shift()));
  if (what === 'keys' && verb === 'revoke') {
    const id = args.shift();
    if (!id || !UUID.test(id)) throw new UsageError('give the id of the key to revoke');
    await admin.revokeKey(id.toLowerCase());
    return { revoked: id.toLowerCase() };
  }
  throw new UsageError(USAGE);
}

const env = parseEnv(z.object({ DATABASE_URL: databaseUrlVar, API_KEY_SECRET: apiKeySecretVar }));
const orm = await openOrm({ url: env.DATABASE_URL, poolMax: 1, connectTimeoutMs: 10_000 });
try {
  const hasher = createKeyHasher(env.API_KEY_SECRET);
  const admin = new AccessAdmin(orm.em, hasher);
  const result = await run(admin, process.argv.slice(2), (file) => devKey(admin, orm.em, hasher, file));
  console.log(JSON.stringify(result, null, 2));
} catch (err) {
  process.exitCode = err instanceof UsageError ? 2 : 1;
  console.error(err instanceof UsageError ? err.message : isDomainError(err) ? `${err.code}: ${err.message}` : err);
} finally {
  await orm.close(true);
}
