import { appendForwardedHeaders, HOP_BY_HOP_HEADERS, REQUEST_ID_HEADER } from '@floodgate/shared';
import type { ClientIpResolver } from '../auth/client-ip.js';
import { tierOf } from '../auth/identity.js';
import type { RequestContext } from '../pipeline/request-context.js';

/** Identity headers only the gateway may set; client-sent copies are dropped. */
const IDENTITY_HEADERS = ['x-consumer-id', 'x-consumer-tier', 'x-user-id', 'x-user-role'] as const;

// Request headers never copied from the client: hop-by-hop ones, those the gateway sets itself,
// `expect` (the gateway already answered 100-continue; undici refuses it) and the API key, which
// is the gateway's credential and no backend's business.
const DROPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  ...IDENTITY_HEADERS,
  'host',
  'expect',
  'x-api-key',
  REQUEST_ID_HEADER,
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);
/** The same, for a request whose Authorization header carries an API key. */
const DROPPED_WITH_AUTHORIZATION: ReadonlySet<string> = new Set([
  ...DROPPED_REQUEST_HEADERS,
  'authorization',
]);

/**
 * The headers sent to the balancer, as a flat [name, value, ...] list: the client's end-to-end
 * headers (`traceparent` untouched) plus the request id, X-Forwarded-*, and the verified identity.
 * X-Forwarded-For is set to the client address the gateway resolved (the peer, or the first
 * untrusted hop behind TRUST_PROXY proxies), never the client-sent chain. An API key sent as
 * `Authorization: ApiKey …` is dropped like X-API-Key; a bearer token is forwarded (logout needs it).
 */
export function buildUpstreamHeaders(ctx: RequestContext, clientIp: ClientIpResolver): string[] {
  const req = ctx.req;
  const headers = req.headers;
  const authorization = headers.authorization;
  const dropped =
    authorization !== undefined && isApiKeyScheme(authorization)
      ? DROPPED_WITH_AUTHORIZATION
      : DROPPED_REQUEST_HEADERS;
  const out = appendForwardedHeaders([], headers, dropped);
  out.push(REQUEST_ID_HEADER, ctx.requestId);
  if (ctx.clientIp === '') ctx.clientIp = clientIp.resolve(req);
  out.push('x-forwarded-for', ctx.clientIp);
  out.push('x-forwarded-proto', 'http');
  if (headers.host !== undefined) out.push('x-forwarded-host', headers.host);
  const identity = ctx.identity;
  out.push('x-consumer-tier', tierOf(identity));
  if (identity.kind === 'user') out.push('x-user-id', String(identity.userId), 'x-user-role', identity.role);
  else if (identity.kind === 'consumer') out.push('x-consumer-id', String(identity.consumerId));
  if (ctx.body !== null && headers['content-length'] === undefined) {
    out.push('content-length', String(ctx.body.length));
  }
  return out;
}

function isApiKeyScheme(value: string): boolean {
  return value.length > 7 && value.charCodeAt(6) === 32 && value.slice(0, 6).toLowerCase() === 'apikey';
}
