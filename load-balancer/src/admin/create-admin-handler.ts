import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createRouteServer,
  createTokenOrLoopbackGuard,
  type FloodgateError,
  isFloodgateError,
  type Logger,
  sendError,
  sendJson,
} from '@floodgate/shared';
import { registerBackendAdminRoutes } from '../backends/backend-admin-routes.js';
import type { BackendPool } from '../backends/backend-pool.js';
import { registerCircuitBreakerAdminRoutes } from '../breakers/circuit-breaker-admin-routes.js';
import { createAdminRouter } from './admin-route.js';

export interface AdminHandlerOptions {
  /** Bearer token every admin request must carry; null: only loopback clients are answered. */
  token: string | null;
  /** Mutating calls are logged (never the token). */
  logger?: Logger;
}

/**
 * Answers one request under `/lb/admin/`; resolves with the route template it matched (for metrics
 * and logs), or UNMATCHED_ROUTE (`(unmatched)`) when none did.
 */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => Promise<string>;

export const ADMIN_PREFIX = '/lb/admin/';

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

  const serve = createRouteServer(router, {
    before: (ctx) => {
      ctx.res.setHeader('cache-control', 'no-store');
      guard(ctx.req);
    },
    run: async (handler, ctx) => {
      const reply = await handler(ctx);
      sendJson(ctx.res, reply.status, reply.body);
      const method = ctx.req.method as string;
      if (method !== 'GET' && method !== 'HEAD') {
        logger?.info(
          { reqId: ctx.requestId, admin: `${method} ${ctx.route}`, params: ctx.params, status: reply.status },
          'admin change',
        );
      }
    },
    onError: (err, ctx) => {
      if ((err as FloodgateError).code === 'UNAUTHORIZED') ctx.res.setHeader('www-authenticate', 'Bearer');
      else if (!isFloodgateError(err)) {
        logger?.error({ err, reqId: ctx.requestId, route: ctx.route }, 'admin route failed');
      }
      ctx.req.resume(); // a refused request's body is never read
      sendError(ctx.res, err, ctx.requestId);
    },
  });
  return async (req, res) => (await serve(req, res)).route;
}
