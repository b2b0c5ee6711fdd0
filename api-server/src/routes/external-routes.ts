import { type RouteHandler, type Router, sendJson } from '@floodgate/shared';
import type { AppDeps } from '../app-deps.js';

const FALLBACK_HEADERS = { 'x-fallback': 'true' };

/**
 * GET /api/v1/external: the flaky dependency through its breaker. A failure or an open breaker is
 * still a 200, with `source: "fallback"`, the reason, and `x-fallback: true`.
 */
export function registerExternalRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  const breaker = deps.externalBreaker;
  router.add('GET', '/api/v1/external', async ({ res }) => {
    const outcome = await breaker.call();
    if (outcome.source === 'live') sendJson(res, 200, outcome);
    else sendJson(res, 200, outcome, FALLBACK_HEADERS);
  });
}
