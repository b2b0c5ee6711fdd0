import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, resolveRequestId } from '../request-id/request-id.js';
import { matchRoute } from './match-route.js';
import { RouteContext, type RouteHandler } from './route-context.js';
import type { Router } from './router.js';
import { sendError } from './send-json.js';

export interface RouteServerOptions<H> {
  /**
   * Runs first, once the request id is set (an access guard, say): what it throws is answered like a
   * handler's error, before any routing.
   */
  before?: (ctx: RouteContext) => void;
  /** Runs the matched handler. @default `handler(ctx)` (a RouteHandler) */
  run?: (handler: H, ctx: RouteContext) => unknown;
  /**
   * Answers what `before`, the routing (404, 405) or a handler threw; `ctx.route` says which route
   * it was. @default sendError: the error envelope
   */
  onError?: (err: unknown, ctx: RouteContext) => void;
}

/** Serves one request; resolves, once it is answered, with its context (route template included). */
export type RouteServer = (req: IncomingMessage, res: ServerResponse) => Promise<RouteContext>;

/**
 * Serves requests from `router`: keeps a valid incoming X-Request-Id or makes one (echoed on the
 * response), runs the matched handler, answers an unknown path 404 and a wrong method 405 with
 * `Allow`, and turns anything thrown into the error envelope. The route template it resolves with is
 * what metrics and the access log label the request by.
 */
export function createRouteServer(
  router: Router<RouteHandler>,
  options?: RouteServerOptions<RouteHandler>,
): RouteServer;
export function createRouteServer<H>(
  router: Router<H>,
  options: RouteServerOptions<H> & Required<Pick<RouteServerOptions<H>, 'run'>>,
): RouteServer;
export function createRouteServer<H>(router: Router<H>, options: RouteServerOptions<H> = {}): RouteServer {
  const run = options.run ?? ((handler: H, ctx: RouteContext) => (handler as RouteHandler)(ctx));
  const onError = options.onError ?? ((err, ctx) => sendError(ctx.res, err, ctx.requestId));
  const before = options.before;
  return async (req, res) => {
    const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const ctx = new RouteContext(req, res, requestId, q === -1 ? '' : url.slice(q + 1));
    try {
      before?.(ctx);
      const match = matchRoute(router, req.method ?? 'GET', q === -1 ? url : url.slice(0, q), res);
      ctx.route = match.route;
      ctx.params = match.params;
      await run(match.handler, ctx);
    } catch (err) {
      onError(err, ctx);
    }
    return ctx;
  };
}
