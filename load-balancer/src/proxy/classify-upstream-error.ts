/**
 * What an error from an upstream exchange means for the client and for the backend:
 * - `client-gone`: the client went away or broke its own request body; nobody to answer, not the backend's fault.
 * - `invalid-request`: the request cannot be forwarded as received (400); not the backend's fault.
 * - `timeout`: connect, response headers or body timed out (504); the backend's fault.
 * - `unreachable`: refused, reset, closed early or any other transport error (502); the backend's fault.
 */
export type UpstreamErrorKind = 'client-gone' | 'invalid-request' | 'timeout' | 'unreachable';

/** The reason used to abort an upstream request because the client closed its connection. */
export const CLIENT_GONE_ERROR: Error = new Error('client closed the connection');

export function classifyUpstreamError(err: unknown): UpstreamErrorKind {
  if (err === CLIENT_GONE_ERROR) return 'client-gone';
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    // The request body stream (the client's upload) ended early or was destroyed.
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return 'client-gone';
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
      return 'invalid-request';
    case 'ECONNRESET':
      // Node's error for a client that disconnected mid-upload, surfaced through the body stream.
      return (err as Error).message === 'aborted' ? 'client-gone' : 'unreachable';
    default:
      return 'unreachable';
  }
}
