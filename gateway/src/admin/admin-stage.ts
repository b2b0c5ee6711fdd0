import { matchRoute, Router } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { DONE, type Stage } from '../pipeline/stage.js';

/** Answers one admin route; the gateway serves these itself and never proxies them. */
export type AdminHandler = (ctx: RequestContext) => void | Promise<void>;

export interface AdminRoute {
  method: string;
  /** Full template, e.g. "/api/v1/admin/dashboard". */
  path: string;
  handler: AdminHandler;
}

/**
 * The terminal stage of the admin pipeline: routes to the registered admin handlers (unknown path
 * → 404, wrong method → 405 with Allow) and labels the request with the matched template.
 */
export function createAdminStage(routes: readonly AdminRoute[]): Stage {
  const router = new Router<AdminHandler>();
  for (const r of routes) router.add(r.method, r.path, r.handler);
  return {
    name: 'admin',
    handle(ctx: RequestContext) {
      const match = matchRoute(router, ctx.req.method as string, ctx.path, ctx.res);
      ctx.route = match.route;
      const answered = match.handler(ctx);
      return answered === undefined ? DONE : answered.then(() => DONE);
    },
  };
}
