import type { IncomingHttpHeaders } from 'node:http';
import { isValidIdempotencyKey } from '@floodgate/shared';

/** Methods whose repetition has the same effect as one request (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Methods the api-server de-duplicates by `Idempotency-Key` (a replayed answer, never a second write). */
const KEYED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH']);

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
