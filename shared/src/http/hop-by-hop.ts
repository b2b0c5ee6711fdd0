import type { IncomingHttpHeaders } from 'node:http';

/**
 * Connection-level headers (RFC 9110 §7.6.1) that a proxy must not forward in either direction,
 * plus any header named in the Connection header itself.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const HOP_BY_HOP_LIST: readonly string[] = [...HOP_BY_HOP_HEADERS];

type HeaderValues = Record<string, string | string[] | undefined>;

/**
 * The header names a Connection header value lists (lower-cased), which are hop-by-hop too; null
 * for the usual bare `keep-alive` or `close`, without parsing.
 */
export function connectionHeaderNames(value: string | string[] | undefined): string[] | null {
  if (value === undefined || isPlainConnection(value)) return null;
  const names = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  return names.length === 0 ? null : names;
}

/**
 * Appends the request headers a proxy forwards to `out`, a flat `[name, value, ...]` list (what
 * undici takes without re-parsing): every header except those in `dropped` (which holds
 * HOP_BY_HOP_HEADERS and whatever this hop sets itself) and those the Connection header names.
 * Repeated headers stay repeated.
 */
export function appendForwardedHeaders(
  out: string[],
  headers: IncomingHttpHeaders,
  dropped: ReadonlySet<string>,
): string[] {
  const named = connectionHeaderNames(headers.connection);
  for (const name in headers) {
    if (dropped.has(name) || named?.includes(name)) continue;
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const v of value) out.push(name, v);
  }
  return out;
}

/** Deletes the hop-by-hop headers, and those the Connection header names, from `headers` in place. */
export function stripHopByHop(headers: HeaderValues): void {
  const named = connectionHeaderNames(headers.connection);
  if (named !== null) for (const name of named) delete headers[name];
  for (const name of HOP_BY_HOP_LIST) if (headers[name] !== undefined) delete headers[name];
}

function isPlainConnection(value: string | string[]): boolean {
  return value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close';
}
