/**
 * What an error from an upstream try means for the client, for the backend and for a retry:
 * - `client-gone`: the client went away or broke its own request body; nobody to answer, not the backend's fault.
 * - `invalid-request`: the request cannot be forwarded as received (400); not the backend's fault.
 * - `connect`: no connection could be made (refused, connect timeout, unknown or unreachable host):
 *   the request provably never reached the backend (502).
 * - `reset`: the connection broke (reset, closed early): the backend may have seen the request (502).
 * - `timeout`: no response headers (per-try timeout) or body chunk in time (504).
 * - `unreachable`: any other transport error (502).
 */
export type UpstreamErrorKind =
  | 'client-gone'
  | 'invalid-request'
  | 'connect'
  | 'reset'
  | 'timeout'
  | 'unreachable';

/** The reason used to abort an upstream request because the client closed its connection. */
export const CLIENT_GONE_ERROR: Error = new Error('client closed the connection');

export function classifyUpstreamError(err: unknown): UpstreamErrorKind {
  if (err === CLIENT_GONE_ERROR) return 'client-gone';
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'connect';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'reset';
    // The request body stream (the client's upload) ended early or was destroyed.
    case 'UND_ERR_ABORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return 'client-gone';
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
      return 'invalid-request';
    case 'ECONNRESET':
      // Node's error for a client that disconnected mid-upload, surfaced through the body stream.
      return (err as Error).message === 'aborted' ? 'client-gone' : 'reset';
    default:
      return 'unreachable';
  }
}
