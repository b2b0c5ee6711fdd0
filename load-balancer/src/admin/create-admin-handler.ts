import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createTokenOrLoopbackGuard,
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

const NOT_FOUND = new FloodgateError('NOT_FOUND');
const METHOD_NOT_ALLOWED = new FloodgateError('METHOD_NOT_ALLOWED');

/**
 * The balancer's admin API, self-contained: authentication, routing, validation and error
 * envelopes, with the routes each feature brings (backends, circuit breakers). The gateway can mount
 * it by proxying `/lb/admin/*` here.
 *
 * Access: the shared token-or-loopback guard with LB_ADMIN_TOKEN (`createTokenOrLoopbackGuard`).
 */
export function createAdminHandler(pool: BackendPool, options: AdminHandlerOptions): AdminHandler {
  const router = createAdminRouter();
  registerBackendAdminRoutes(router, pool);
  registerCircuitBreakerAdminRoutes(router, pool);
  const guard = createTokenOrLoopbackGuard({ token: options.token, tokenName: 'LB_ADMIN_TOKEN' });
  const logger = options.logger;

  return async (req, res) => {
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.setHeader('cache-control', 'no-store');
    const method = req.method as string;
    const url = req.url as string;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    try {
      guard(req);
    } catch (denied) {
      if ((denied as FloodgateError).code === 'UNAUTHORIZED') res.setHeader('www-authenticate', 'Bearer');
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
      const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
      const reply = await (handler as AdminRouteHandler)({ req, params, query, requestId });
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
