import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CachedValue } from '../cache/cached-value.js';
import { negotiateEncoding } from '../cache/compression.js';
import type { CacheStatus } from '../cache/two-level-cache.js';

/**
 * Writes a cached JSON body with `X-Cache`. Bodies of at least `compressMinBytes` vary by
 * Accept-Encoding and go out brotli- or gzip-compressed when the client accepts it (the compressed
 * form is kept with the cached value, so it is made once).
 */
export function sendCached(
  req: IncomingMessage,
  res: ServerResponse,
  status: CacheStatus,
  value: CachedValue,
  compressMinBytes: number,
): void {
  res.statusCode = 200;
  res.setHeader('x-cache', status);
  res.setHeader('content-type', 'application/json; charset=utf-8');
  let body = value.body;
  if (body.length >= compressMinBytes) {
    res.setHeader('vary', 'accept-encoding');
    const encoding = negotiateEncoding(req.headers['accept-encoding']);
    if (encoding !== null) {
      body = value.encoded(encoding);
      res.setHeader('content-encoding', encoding);
    }
  }
  res.setHeader('content-length', body.length);
  res.end(body);
}
