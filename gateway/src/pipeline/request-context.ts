import type { IncomingMessage } from 'node:http';
import { ANONYMOUS, type Identity } from '../auth/identity.js';
import type { GatewayResponse } from '../http/gateway-response.js';

/** The part of an in-progress upstream exchange that response events drive. */
export interface UpstreamExchange {
  /** The client went away: abort the upstream request unless it already completed. */
  abortIfPending(): void;
  /** The client socket drained: resume reading the upstream body. */
  resume(): void;
}

/**
 * Everything one request carries through the pipeline. A fixed-shape class: every field is
 * assigned in the constructor so V8 keeps one hidden class for all requests.
 */
export class RequestContext {
  readonly req: IncomingMessage;
  readonly res: GatewayResponse;
  /** Monotonic milliseconds when the request arrived. */
  readonly startMs: number;
  /** The request target as origin-form (path + query), even when the client sent absolute-form. */
  readonly target: string;
  /** `target` without the query string. */
  readonly path: string;
  requestId: string;
  /** Bounded route template for metrics and logs (set by the router); never the raw path. */
  route: string;
  identity: Identity;
  /** SHA-256 of the bearer token the request was authenticated with, if any. */
  tokenHash: string | null;
  /** The client address (TCP peer, or from X-Forwarded-For via a trusted proxy); '' until resolved. */
  clientIp: string;
  /** The request body when a stage had to read it (a route policy keyed by email); proxied as is. */
  body: Buffer | null;
  /** Holds an admission slot, released when the response closes. */
  admitted: boolean;
  /** Set by the limits stage when a body without Content-Length must be counted while streaming. */
  countBody: boolean;
  upstream: UpstreamExchange | null;
  /** Why the upstream exchange failed (an error code), for the access log. */
  upstreamError: string | null;
  /** The response has closed (finished or the client went away). */
  closed: boolean;

  constructor(req: IncomingMessage, res: GatewayResponse, startMs: number) {
    this.req = req;
    this.res = res;
    this.startMs = startMs;
    const target = toOriginForm(req.url ?? '');
    const q = target.indexOf('?');
    this.target = target;
    this.path = q === -1 ? target : target.slice(0, q);
    this.requestId = '';
    this.route = '';
    this.identity = ANONYMOUS;
    this.tokenHash = null;
    this.clientIp = '';
    this.body = null;
    this.admitted = false;
    this.countBody = false;
    this.upstream = null;
    this.upstreamError = null;
    this.closed = false;
  }
}

/**
 * Origin-form of a request target. For absolute-form (`http://host/p?q`) only the path and query are
 * kept: the host a client names never decides where a request goes. Anything else (`*`) → ''.
 */
export function toOriginForm(url: string): string {
  if (url.charCodeAt(0) === 47 /* / */) return url;
  const scheme = url.indexOf('://');
  if (scheme === -1) return '';
  const authorityStart = scheme + 3;
  let end = authorityStart;
  while (end < url.length) {
    const c = url.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  if (end === url.length) return '/';
  const c = url.charCodeAt(end);
  if (c === 47) return url.slice(end);
  if (c === 63) return `/${url.slice(end)}`;
  return '/';
}
