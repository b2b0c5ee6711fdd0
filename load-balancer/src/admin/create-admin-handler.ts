import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FloodgateError,
  type Logger,
  REQUEST_ID_HEADER,
  resolveRequestId,
  sendError,
  sendJson,
} from '@floodgate/shared';
import { registerBackendAdminRoutes } from '../backends/backend-admin-routes.js';
import type { BackendPool } from '../backends/backend-pool.js';
import { registerCircuitBreakerAdminRoutes } from '../breakers/circuit-breaker-admin-routes.js';
import { type AdminRouteHandler, createAdminRouter } from './admin-route.js';

export interface AdminHandlerOptions {
  /** Bearer token every admin request must carry; null: only loopback clients are answered. */
  token: string | null;
  /** Mutating calls are logged (never the token). */
  logger?: Logger;
}

/**
 * Answers one request under `/lb/admin/`; resolves with the route template it matched (for metrics
 * and logs), or "/lb/admin/*" when none did.
 */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => Promise<string>;

export const ADMIN_PREFIX = '/lb/admin/';
const UNKNOWN_ROUTE = '/lb/admin/*';

const UNAUTHORIZED = new FloodgateError('UNAUTHORIZED', 'A valid admin bearer token is required');
const LOOPBACK_ONLY = new FloodgateError(
  'FORBIDDEN',
  'The admin API answers loopback clients only (set LB_ADMIN_TOKEN to allow others)',
);
const NOT_FOUND = new FloodgateError('NOT_FOUND');
const METHOD_NOT_ALLOWED = new FloodgateError('METHOD_NOT_ALLOWED');

/** True for 127.0.0.0/8 and ::1, also written IPv4-mapped. The socket address, never a header. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * The balancer's admin API, self-contained: authentication, routing, validation and error
 * envelopes, with the routes each feature brings (backends, circuit breakers). The gateway can mount
 * it by proxying `/lb/admin/*` here.
 *
 * Access: with a token, `Authorization: Bearer <token>` is required from everyone (401 otherwise,
 * compared in constant time); without one, loopback clients only (403 otherwise).
 */
export function createAdminHandler(pool: BackendPool, options: AdminHandlerOptions): AdminHandler {
  const router = createAdminRouter();
  registerBackendAdminRoutes(router, pool);
  registerCircuitBreakerAdminRoutes(router, pool);
  const tokenDigest = options.token === null ? null : sha256(options.token);
  const logger = options.logger;

  const authorize = (req: IncomingMessage): FloodgateError | null => {
    if (tokenDigest === null) return isLoopbackAddress(req.socket.remoteAddress) ? null : LOOPBACK_ONLY;
    const header = req.headers.authorization;
    if (header === undefined || !/^Bearer /i.test(header)) return UNAUTHORIZED;
    return timingSafeEqual(sha256(header.slice(7).trim()), tokenDigest) ? null : UNAUTHORIZED;
  };

  return async (req, res) => {
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.setHeader('cache-control', 'no-store');
    const method = req.method as string;
    const url = req.url as string;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const denied = authorize(req);
    if (denied !== null) {
      if (denied === UNAUTHORIZED) res.setHeader('www-authenticate', 'Bearer');
      req.resume();
      sendError(res, denied, requestId);
      return UNKNOWN_ROUTE;
    }
    const found = router.find(method, path);
    if (found.kind !== 'found') {
      if (found.kind === 'method-not-allowed') res.setHeader('allow', found.allowed.join(', '));
      req.resume();
      sendError(res, found.kind === 'not-found' ? NOT_FOUND : METHOD_NOT_ALLOWED, requestId);
      return UNKNOWN_ROUTE;
    }
    const { handler, route, params } = found.match;
    try {
      const reply = await (handler as AdminRouteHandler)({ req, params, requestId });
      sendJson(res, reply.status, reply.body);
      if (method !== 'GET' && method !== 'HEAD') {
        logger?.info(
          { reqId: requestId, admin: `${method} ${route}`, params, status: reply.status },
          'admin change',
        );
      }
    } catch (err) {
      if (!(err instanceof FloodgateError))
        logger?.error({ err, reqId: requestId, route }, 'admin route failed');
      sendError(res, err, requestId);
    }
    return route;
  };
}
