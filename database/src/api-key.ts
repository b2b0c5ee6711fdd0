import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key starts with this; the prefix and secret follow, separated by `_`. */
const API_KEY_SCHEME = 'fg_';

// fg_<prefix 4-16 lowercase letters/digits>_<secret 32-64 base64url chars>. The prefix has no `_`, so
// the first `_` after `fg_` ends it even when the secret contains `_`.
const API_KEY_SHAPE = /^fg_([a-z0-9]{4,16})_[A-Za-z0-9_-]{32,64}$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Length of generated prefixes. */
const API_KEY_PREFIX_LENGTH = 8;

/** A new key: an 8-character random prefix and 32 random bytes of secret (base64url). */
export function generateApiKey(): { key: string; prefix: string } {
  const bytes = randomBytes(API_KEY_PREFIX_LENGTH);
  let prefix = '';
  // 256 % 36 bias is irrelevant here: the prefix is an identifier, not the secret.
  for (const b of bytes) prefix += PREFIX_ALPHABET[b % PREFIX_ALPHABET.length];
  return { key: `${API_KEY_SCHEME}${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** The prefix of a well-formed key, or null: malformed keys are refused without I/O. */
export function apiKeyPrefix(key: string): string | null {
  const m = API_KEY_SHAPE.exec(key);
  return m ? (m[1] as string) : null;
}

/**
 * Returns the function that hashes keys for storage and lookup: HMAC-SHA-256 with the server
 * secret, hex. Without the secret a leaked table cannot even be brute-forced offline.
 */
export function createApiKeyHasher(secret: string): (key: string) => string {
  const secretKey = createSecretKey(Buffer.from(secret, 'utf8'));
  return (key) => createHmac('sha256', secretKey).update(key).digest('hex');
}

/** Constant-time equality of two hex hashes (false for different lengths). */
export function apiKeyHashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
