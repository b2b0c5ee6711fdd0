import {
  MALFORMED_IDEMPOTENCY_KEY,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKey,
  validationFailed,
} from '@floodgate/shared';

/**
 * The Idempotency-Key of a request: null without the header, else the key; a malformed one (empty,
 * too long, not a string, repeated) is VALIDATION_FAILED.
 */
export function requireValidIdempotencyKey(header: string | string[] | undefined): string | null {
  const key = parseIdempotencyKey(header);
  if (key !== MALFORMED_IDEMPOTENCY_KEY) return key;
  throw validationFailed('header', [
    {
      path: 'Idempotency-Key',
      message: `must be one quoted string or token of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    },
  ]);
}
