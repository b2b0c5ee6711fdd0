import type { IncomingHttpHeaders } from 'node:http';

/** Methods whose repetition has the same effect as one request (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Methods the api-server de-duplicates by `Idempotency-Key` (a replayed answer, never a second write). */
const KEYED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);

/** Longest `Idempotency-Key` accepted, in characters after unquoting (the api-server's limit too). */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * An `Idempotency-Key` value as the api-server accepts it: a structured-field string as the IETF
 * draft specifies (`"…"`, printable ASCII, `\"` and `\\` escaped) or, as many clients send it, a
 * bare key of letters, digits and `._~:+/=-` (UUIDs, base64, URNs); 1 to MAX_IDEMPOTENCY_KEY_LENGTH
 * characters after unquoting. A repeated header (joined with ", ") matches neither form.
 */
const IDEMPOTENCY_KEY = new RegExp(
  `^(?:[A-Za-z0-9._~:+/=-]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}` +
    `|"(?:[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\\\\"]){1,${MAX_IDEMPOTENCY_KEY_LENGTH}}")$`,
);

/** Whether `value` is one syntactically valid `Idempotency-Key`. */
export function isValidIdempotencyKey(value: string | string[] | undefined): boolean {
  return typeof value === 'string' && IDEMPOTENCY_KEY.test(value);
}

/**
 * Whether a request may be sent again although the backend may already have received it:
 * - GET, HEAD, OPTIONS, PUT, DELETE: always (idempotent);
 * - POST, PATCH: only with one valid `Idempotency-Key`, which the api-server honours (it replays the
 *   stored answer of a key it has seen, so the retry cannot write twice);
 * - anything else: never.
 * A request that provably never reached a backend (connection refused) may be retried whatever it is.
 */
export function mayRetryAfterSent(method: string, headers: IncomingHttpHeaders): boolean {
  if (IDEMPOTENT_METHODS.has(method)) return true;
  return KEYED_METHODS.has(method) && isValidIdempotencyKey(headers['idempotency-key']);
}
