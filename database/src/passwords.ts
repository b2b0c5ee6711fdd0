import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { compare as bcryptCompare } from 'bcryptjs';

/**
 * scrypt parameters of new hashes: N = 2^15, r = 8, p = 3 — 32 MiB and ~100-200 ms per hash on one
 * core, OWASP's equivalent of N = 2^17, p = 1. Every byte of a password counts (bcrypt read 72).
 */
export const PASSWORD_HASH_PARAMS = Object.freeze({ ln: 15, r: 8, p: 3 });

/** bcrypt ignores every byte after the 72nd: a legacy hash cannot tell longer passwords apart. */
const BCRYPT_MAX_PASSWORD_BYTES = 72;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// PHC string format: $scrypt$ln=15,r=8,p=3$<salt>$<key> (base64 without padding). The bounds keep a
// corrupt or planted hash from asking for absurd work or memory.
const SCRYPT_HASH =
  /^\$scrypt\$ln=(1[0-9]|20),r=([1-9]|[12][0-9]|3[0-2]),p=([1-9]|1[0-6])\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;
const BCRYPT_HASH = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

interface ScryptHash {
  ln: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/**
 * Hashes run in libuv's thread pool, never on the event loop, and at most this many at once: a
 * login storm leaves a core (and pool threads) for every other request.
 */
const MAX_CONCURRENT_HASHES = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

async function derive(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    const N = 2 ** ln;
    return await new Promise<Buffer>((resolve, reject) => {
      scrypt(password.normalize('NFC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
        err ? reject(err) : resolve(key),
      );
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** A new salted scrypt hash in PHC format (`$scrypt$ln=15,r=8,p=3$<salt>$<key>`). */
export async function hashPassword(password: string): Promise<string> {
  const { ln, r, p } = PASSWORD_HASH_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, ln, r, p);
  return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
}

let dummyHash: Promise<string> | undefined;

/**
 * True when `password` matches `passwordHash` (scrypt, or a legacy bcrypt hash), compared in
 * constant time. Never throws: a malformed hash is a non-match. With no hash (unknown user) it
 * still derives one key, against a throwaway hash of the same parameters, so response time does not
 * reveal whether the account exists.
 */
export async function verifyPassword(
  password: string,
  passwordHash: string | null | undefined,
): Promise<boolean> {
  try {
    if (passwordHash == null) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyScrypt(password, parseScrypt(await dummyHash) as ScryptHash);
      return false;
    }
    const scryptHash = parseScrypt(passwordHash);
    if (scryptHash !== null) return await verifyScrypt(password, scryptHash);
    if (BCRYPT_HASH.test(passwordHash)) return await bcryptCompare(password, passwordHash);
    return false;
  } catch {
    return false;
  }
}

/**
 * After a successful login: true when the stored hash should be replaced by `hashPassword(password)`
 * — a legacy bcrypt hash, or scrypt with other parameters. Not for a bcrypt hash and a password
 * longer than 72 bytes: bcrypt verified only its first 72, so the bytes after them are unproven.
 */
export function passwordNeedsRehash(passwordHash: string, password: string): boolean {
  const scryptHash = parseScrypt(passwordHash);
  if (scryptHash !== null) {
    const { ln, r, p } = PASSWORD_HASH_PARAMS;
    return scryptHash.ln !== ln || scryptHash.r !== r || scryptHash.p !== p;
  }
  return BCRYPT_HASH.test(passwordHash) && Buffer.byteLength(password, 'utf8') <= BCRYPT_MAX_PASSWORD_BYTES;
}

async function verifyScrypt(password: string, h: ScryptHash): Promise<boolean> {
  const key = await derive(password, h.salt, h.ln, h.r, h.p);
  return timingSafeEqual(key, h.key);
}

function parseScrypt(hash: string): ScryptHash | null {
  const m = SCRYPT_HASH.exec(hash);
  if (!m) return null;
  const salt = Buffer.from(m[4] as string, 'base64');
  const key = Buffer.from(m[5] as string, 'base64');
  if (salt.length !== SALT_BYTES || key.length !== KEY_BYTES) return null;
  return { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt, key };
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}
