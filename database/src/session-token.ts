import { createHash, randomBytes } from 'node:crypto';

/** A new bearer token: 32 random bytes, base64url (43 chars). Shown to the client once. */
export function generateSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The only form of a token that is stored or compared: SHA-256, hex. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Cheap shape check before any lookup: malformed tokens are refused without I/O. */
export function isWellFormedSessionToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}
