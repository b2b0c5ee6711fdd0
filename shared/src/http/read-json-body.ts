import type { IncomingMessage } from 'node:http';
import { FloodgateError } from '../errors/floodgate-error.js';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Deepest nesting of arrays and objects a JSON body may have (docs/errors.md). */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Reads and parses a JSON request body, never holding more than `limitBytes`.
 * Empty body → undefined. Declared or actual size over the limit → PAYLOAD_TOO_LARGE (413);
 * a non-JSON Content-Type → UNSUPPORTED_MEDIA_TYPE (415); unparsable → INVALID_JSON (400);
 * arrays and objects nested deeper than `maxDepth` → VALIDATION_FAILED (400), before parsing, so
 * nothing downstream (validation, storage) ever walks a value deep enough to overflow the stack.
 */
export async function readJsonBody(
  req: IncomingMessage,
  limitBytes: number,
  maxDepth = MAX_JSON_DEPTH,
): Promise<unknown> {
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
  const body = Buffer.concat(chunks, size);
  if (jsonDepth(body) > maxDepth) {
    const message = `nested deeper than ${maxDepth} levels`;
    throw new FloodgateError('VALIDATION_FAILED', `Invalid request body: ${message}`, {
      details: { issues: [{ path: '', message }] },
    });
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new FloodgateError('INVALID_JSON');
  }
}

/**
 * The deepest nesting of `[` and `{` in JSON text, in one pass without recursion (brackets inside
 * strings do not count). Works on UTF-8 bytes: every byte of a multi-byte character is ≥ 0x80.
 * Malformed text gives some number; JSON.parse then rejects it.
 */
export function jsonDepth(text: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > deepest) deepest = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return deepest;
}
