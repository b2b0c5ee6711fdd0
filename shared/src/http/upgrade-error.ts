import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { toErrorEnvelope } from '../errors/error-envelope.js';

/**
 * Refuses an HTTP upgrade (WebSocket) request: writes a complete HTTP/1.1 error response with the
 * usual envelope and `Connection: close` on the raw socket, then ends it. `headers` are extra
 * response headers (e.g. `{ 'retry-after': '1' }`).
 */
export function refuseUpgrade(
  socket: Duplex,
  err: unknown,
  requestId: string,
  headers: Record<string, string | number> = {},
): void {
  const { status, body } = toErrorEnvelope(err, requestId);
  const payload = JSON.stringify(body);
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  if (socket.writable) {
    socket.end(
      `${head}content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n` +
        `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${payload}`,
    );
  } else socket.destroy();
}
