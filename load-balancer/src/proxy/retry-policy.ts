import type { IncomingHttpHeaders } from 'node:http';

/** Methods whose repetition has the same effect as one request (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether a request may be sent again although the backend may already have received it: an
 * idempotent method, or a client-supplied `Idempotency-Key` (the backend de-duplicates). Anything
 * else (POST, PATCH, unknown methods) is retried only when it provably never reached a backend.
 */
export function mayRetryAfterSent(method: string, headers: IncomingHttpHeaders): boolean {
  if (IDEMPOTENT_METHODS.has(method)) return true;
  const key = headers['idempotency-key'];
  return typeof key === 'string' && key.length > 0;
}
