/**
 * The error-code catalogue. Codes are stable API: clients match on them, so a code is never renamed,
 * reused for another meaning, or removed. Add new codes at the end of their group.
 * Documented for users in docs/errors.md.
 */
export const ErrorCodes = {
  // 4xx: the client can fix these.
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  INVALID_JSON: { status: 400, message: 'Request body is not valid JSON' },
  VALIDATION_FAILED: { status: 400, message: 'Request failed validation' },
  INVALID_PATH: { status: 400, message: 'Request path is not allowed' },
  UNAUTHORIZED: { status: 401, message: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password' },
  INVALID_TOKEN: { status: 401, message: 'Session token is invalid or expired' },
  INVALID_API_KEY: { status: 401, message: 'API key is invalid or revoked' },
  FORBIDDEN: { status: 403, message: 'Insufficient permissions' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  CONFLICT: { status: 409, message: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  URI_TOO_LONG: { status: 414, message: 'Request URI too long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  RATE_LIMITED: { status: 429, message: 'Rate limit exceeded' },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request header fields too large' },
  REQUEST_TIMEOUT: { status: 408, message: 'Request not received in time' },
  IDEMPOTENCY_IN_FLIGHT: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed; retry later',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was already used for a different request',
  },
  // 5xx: the server or a dependency failed.
  INTERNAL: { status: 500, message: 'Internal server error' },
  BAD_GATEWAY: { status: 502, message: 'Upstream could not be reached' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
  NO_BACKEND_AVAILABLE: { status: 503, message: 'No backend available' },
  OVERLOADED: { status: 503, message: 'Server is overloaded, retry later' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'A dependency is unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, message: 'Upstream timed out' },
  SHUTTING_DOWN: { status: 503, message: 'Server is shutting down' },
  WRITE_OUTCOME_UNKNOWN: {
    status: 503,
    message:
      'The write may or may not have been applied; retry with the same Idempotency-Key or read it back',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;
