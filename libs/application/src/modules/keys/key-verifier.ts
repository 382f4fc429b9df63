import { type Caller, isScope } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type KeyAuthRow, selectKeyByHash, selectLiveKeyIds, touchKeys } from './key.repository.js';
import { KEY_PATTERN, type KeyHasher } from './key-hash.js';

/** Verifies presented keys, with a short cache so that revocation reaches every instance in time. */
export interface KeyVerifier {
  /** The caller a key proves, or null for a malformed, unknown, expired or revoked key. */
  verify(key: string): Promise<Caller | null>;
  /** Of the given key ids, those still valid now (read from the database, not the cache). */
  stillValid(keyIds: readonly string[]): Promise<Set<string>>;
  /** Writes the pending `last_used_at` updates. */
  flush(): Promise<void>;
  /** Stops the background writer after a last flush. */
  close(): Promise<void>;
}

export interface KeyVerifierOptions {
  em: EntityManager;
  hasher: KeyHasher;
  /** How long a verdict is reused; revocation takes effect within this (default 5 s). */
  cacheMs?: number;
  /** Most verdicts kept (default 10,000): an attacker's random keys cannot grow memory past it. */
  maxEntries?: number;
  /** How often `last_used_at` is written (default 20 s; a key is written at most once a minute). */
  touchEveryMs?: number;
  onError?: (err: unknown) => void;
}

interface Verdict {
  at: number;
  row: KeyAuthRow | undefined;
}

const expired = (row: KeyAuthRow, now: Date) => row.expires_at !== null && new Date(row.expires_at).getTime() <= now.getTime();

export function createKeyVerifier(opts: KeyVerifierOptions): KeyVerifier {
  const cacheMs = opts.cacheMs ?? 5000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const cache = new Map<string, Verdict>();
  const used = new Set<string>();
  const lastTouched = new Map<string, number>();

  const lookup = async (hash: string): Promise<KeyAuthRow | undefined> => {
    const now = Date.now();
    const hit = cache.get(hash);
    if (hit && now - hit.at < cacheMs) return hit.row;
    const row = await selectKeyByHash(opts.em.fork(), hash);
    cache.delete(hash);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(hash, { at: now, row });
    return row;
  };

  const flush = async () => {
    if (used.size === 0) return;
    const ids = [...used];
    used.clear();
    const now = Date.now();
    for (const id of ids) lastTouched.set(id, now);
    await touchKeys(opts.em.fork(), ids, new Date(now));
  };
  const timer = setInterval(() => flush().catch((err: unknown) => opts.onError?.(err)), opts.touchEveryMs ?? 20_000);
  timer.unref();

  return {
    async verify(key) {
      if (!KEY_PATTERN.test(key)) return null;
      const row = await lookup(opts.hasher(key));
      const now = new Date();
      if (!row || row.revoked_at !== null || expired(row, now)) return null;
      if (now.getTime() - (lastTouched.get(row.id) ?? 0) >= 60_000) used.add(row.id);
      return { accountId: row.account_id, keyId: row.id, keyName: row.name, scopes: row.scopes.filter(isScope) };
    },
    stillValid: (keyIds) => selectLiveKeyIds(opts.em.fork(), keyIds, new Date()),
    flush,
    async close() {
      clearInterval(timer);
      await flush().catch((err: unknown) => opts.onError?.(err));
    },
  };
}
