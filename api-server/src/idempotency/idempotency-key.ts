import { validationFailed } from '../http/validate.js';

/** Longest accepted Idempotency-Key (characters after unquoting). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// A Structured Field string (the draft's syntax: printable ASCII, `\"` and `\\` escaped), or a
// bare token as many clients send (UUIDs, base64).
const QUOTED = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/;
const BARE = /^[A-Za-z0-9._~:+/=-]+$/;
const ESCAPE = /\\(["\\])/g;

/**
 * The Idempotency-Key of a request: null without the header, else the key; a malformed one (empty,
 * too long, not a string, repeated) is VALIDATION_FAILED.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | null {
  if (header === undefined) return null;
  let key: string | null = null;
  if (typeof header === 'string' && header.length <= 2 * MAX_IDEMPOTENCY_KEY_LENGTH + 2) {
    const quoted = QUOTED.exec(header);
    if (quoted) key = (quoted[1] as string).replace(ESCAPE, '$1');
    else if (BARE.test(header)) key = header;
  }
  if (key === null || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw validationFailed('header', [
      {
        path: 'Idempotency-Key',
        message: `must be one quoted string or token of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
      },
    ]);
  }
  return key;
}
