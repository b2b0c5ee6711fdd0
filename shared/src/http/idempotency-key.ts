/** Longest `Idempotency-Key` accepted, in characters after unquoting. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** What `parseIdempotencyKey` returns for a header that is present but not one valid key. */
export const MALFORMED_IDEMPOTENCY_KEY: unique symbol = Symbol('malformed Idempotency-Key');

// A Structured Field string as the IETF httpapi draft specifies (printable ASCII, `\"` and `\\`
// escaped), or a bare token as many clients send (UUIDs, base64, URNs). A repeated header (joined
// with ", ") matches neither form.
const QUOTED = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/;
const BARE = /^[A-Za-z0-9._~:+/=-]+$/;
const ESCAPE = /\\(["\\])/g;

/**
 * The one definition of an `Idempotency-Key` value, shared by the api-server (which de-duplicates by
 * it) and the balancer (which repeats a sent POST/PATCH only when it carries one): the key, null when
 * the header is absent, MALFORMED_IDEMPOTENCY_KEY when it is empty, too long, repeated or neither form.
 */
export function parseIdempotencyKey(
  header: string | string[] | undefined,
): string | null | typeof MALFORMED_IDEMPOTENCY_KEY {
  if (header === undefined) return null;
  if (typeof header !== 'string' || header.length > 2 * MAX_IDEMPOTENCY_KEY_LENGTH + 2) {
    return MALFORMED_IDEMPOTENCY_KEY;
  }
  let key: string | null = null;
  const quoted = QUOTED.exec(header);
  if (quoted) key = (quoted[1] as string).replace(ESCAPE, '$1');
  else if (BARE.test(header)) key = header;
  if (key === null || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return MALFORMED_IDEMPOTENCY_KEY;
  }
  return key;
}

/** Whether `header` is one syntactically valid `Idempotency-Key`. */
export function isValidIdempotencyKey(header: string | string[] | undefined): boolean {
  return typeof parseIdempotencyKey(header) === 'string';
}
