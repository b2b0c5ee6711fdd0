import { FloodgateError, isFloodgateError } from '@floodgate/shared';

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout)
]);
const UNAVAILABLE_MESSAGE =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout/i;

/**
 * What a thrown value means to the client. FloodgateErrors pass through; PostgreSQL being
 * unreachable becomes 503 DEPENDENCY_UNAVAILABLE (retryable elsewhere); a value the database
 * rejects (data exception, check violation) becomes 400. Anything else is `null`: a bug, a 500.
 */
export function toPublicError(err: unknown): FloodgateError | null {
  if (isFloodgateError(err)) return err;
  if (!(err instanceof Error)) return null;
  const code = (err as { code?: unknown }).code;
  if ((typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || UNAVAILABLE_MESSAGE.test(err.message)) {
    return new FloodgateError('DEPENDENCY_UNAVAILABLE', 'Database unavailable', { cause: err });
  }
  if (typeof code === 'string' && (code.startsWith('22') || code === '23514')) {
    return new FloodgateError('VALIDATION_FAILED', 'A value was rejected by the database', { cause: err });
  }
  return null;
}
