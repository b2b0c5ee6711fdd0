import type { IncomingMessage } from 'node:http';
import { appendForwardedHeaders, HOP_BY_HOP_HEADERS, REQUEST_ID_HEADER } from '@floodgate/shared';

/**
 * Request headers never copied upstream as received: hop-by-hop ones; `host` (the pool sends the
 * backend's own; the original goes in x-forwarded-host); `expect` (Node already answered
 * 100-continue, and undici refuses it); and the ones this hop sets itself.
 */
const NOT_COPIED_UPSTREAM: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  REQUEST_ID_HEADER,
]);

/** The peer address without the IPv4-mapped IPv6 prefix ("::ffff:10.0.0.1" → "10.0.0.1"). */
export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The header list (flat `[name, value, ...]`, which undici takes without re-parsing into an object)
 * for the upstream request: client headers minus hop-by-hop ones, plus `x-forwarded-for` (client
 * address appended), `x-forwarded-proto`, `x-forwarded-host` and `x-request-id`.
 */
export function buildUpstreamHeaders(req: IncomingMessage, requestId: string, clientIp: string): string[] {
  const headers = req.headers;
  const out = appendForwardedHeaders([], headers, NOT_COPIED_UPSTREAM);
  const forwardedFor = headers['x-forwarded-for'];
  out.push('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${clientIp}` : clientIp);
  out.push('x-forwarded-proto', 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http');
  if (headers.host !== undefined) out.push('x-forwarded-host', headers.host);
  out.push(REQUEST_ID_HEADER, requestId);
  return out;
}
