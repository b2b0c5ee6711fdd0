import { randomBytes } from 'node:crypto';
import { compare, hash } from 'bcryptjs';

/** bcrypt cost factor: 2^10 rounds, ~50-100 ms per hash on a laptop core. */
export const PASSWORD_HASH_COST = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_COST);
}

let dummyHash: Promise<string> | undefined;

/**
 * True when `password` matches `passwordHash`. Never throws: a malformed hash is a non-match.
 * With no hash (unknown user) it still runs one bcrypt comparison, against a throwaway hash of
 * the same cost, so response time does not reveal whether the account exists.
 */
export async function verifyPassword(
  password: string,
  passwordHash: string | null | undefined,
): Promise<boolean> {
  try {
    if (passwordHash == null) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await compare(password, await dummyHash);
      return false;
    }
    return await compare(password, passwordHash);
  } catch {
    return false;
  }
}
