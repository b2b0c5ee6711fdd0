import type { IncomingMessage } from 'node:http';
import { FloodgateError } from '../errors/floodgate-error.js';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads and parses a JSON request body, never holding more than `limitBytes`.
 * Empty body → undefined. Declared or actual size over the limit → PAYLOAD_TOO_LARGE (413);
 * a non-JSON Content-Type → UNSUPPORTED_MEDIA_TYPE (415); unparsable → INVALID_JSON (400).
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    req.resume();
    throw new FloodgateError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      req.resume();
      throw new FloodgateError('PAYLOAD_TOO_LARGE', `Request body exceeds ${limitBytes} bytes`);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const contentType = req.headers['content-type'];
  if (contentType === undefined || !JSON_CONTENT_TYPE.test(contentType)) {
    throw new FloodgateError('UNSUPPORTED_MEDIA_TYPE');
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw new FloodgateError('INVALID_JSON');
  }
}
