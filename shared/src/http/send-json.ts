import type { ServerResponse } from 'node:http';
import { toErrorEnvelope } from '../errors/error-envelope.js';

/** Writes a JSON response with an exact Content-Length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string | number>,
): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  if (headers) for (const name in headers) res.setHeader(name, headers[name] as string | number);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(payload);
}

/**
 * Writes the error envelope for any thrown value. If the response already started, the only honest
 * signal left is to abort the connection.
 */
export function sendError(res: ServerResponse, err: unknown, requestId: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, body } = toErrorEnvelope(err, requestId);
  sendJson(res, status, body);
}
