import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type ErrorCode, ErrorCodes, generateRequestId, type Logger } from '@floodgate/shared';
import { MAX_URL_BYTES } from '../middleware/limits.js';

/** What Node reports with a request it could not parse (or did not receive in time). */
interface ClientError extends Error {
  code?: string;
  /** The bytes Node had read when parsing failed. */
  rawPacket?: Buffer;
}

/**
 * The server's 'clientError' handler: answers requests Node refused before any handler ran with
 * the JSON error envelope instead of Node's bare status line, then closes the connection. Header
 * overflow is 431 HEADERS_TOO_LARGE (414 URI_TOO_LONG when the request line alone overflowed),
 * header/request timeouts 408 REQUEST_TIMEOUT, every other parse error 400 BAD_REQUEST. Nothing
 * from the raw request is logged (it may hold credentials).
 */
export function createClientErrorHandler(
  logger: Logger,
  maxHeaderBytes: number,
): (err: ClientError, socket: Socket) => void {
  // A request line this long is the target's fault, not the headers'.
  const longLine = Math.min(MAX_URL_BYTES, Math.floor(maxHeaderBytes / 2));
  return (err, socket) => {
    const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inProgress?.headersSent) {
      socket.destroy();
      return;
    }
    const code = errorCodeFor(err, longLine);
    const requestId = generateRequestId();
    const payload = JSON.stringify({ error: { code, message: ErrorCodes[code].message, requestId } });
    const status = ErrorCodes[code].status;
    logger.debug({ reqId: requestId, status, parseError: err.code }, 'refused an unparsable request');
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(payload)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        payload,
    );
  };
}

function errorCodeFor(err: ClientError, longLine: number): ErrorCode {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return requestLineLength(err.rawPacket) > longLine ? 'URI_TOO_LONG' : 'HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'BAD_REQUEST';
  }
}

/** Length of the request line in the bytes Node had read (all of them when it never ended). */
function requestLineLength(raw: Buffer | undefined): number {
  if (raw === undefined) return 0;
  const eol = raw.indexOf('\n');
  return eol === -1 ? raw.length : eol;
}
