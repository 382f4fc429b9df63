import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Hashes a presented key to the form kept in `api_keys.hash`. */
export type KeyHasher = (key: string) => string;

/**
 * HMAC-SHA256 of the key under a server secret. A slow password hash (bcrypt, scrypt, argon2)
 * exists to make guessing low-entropy passwords expensive; a key carries 256 random bits, which no
 * amount of guessing covers, so a fast hash loses nothing and keeps verification at microseconds on
 * every request. The secret (a keyed hash rather than a bare SHA-256) means a copy of the table
 * alone cannot even confirm a leaked key.
 */
export function createKeyHasher(secret: string): KeyHasher {
  return (key) => createHmac('sha256', secret).update(key, 'utf8').digest('hex');
}

/** `cpt_` and 43 base64url characters: 256 random bits. */
export const KEY_PATTERN = /^cpt_[A-Za-z0-9_-]{43,200}$/;

/** How many characters of a key its record shows. */
export const PREFIX_LENGTH = 12;

/** A new key: 32 random bytes. */
export const newKey = (): string => `cpt_${randomBytes(32).toString('base64url')}`;

/** Constant-time comparison of two hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
