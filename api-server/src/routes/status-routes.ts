import { type RouteHandler, type Router, sendJson } from '@floodgate/shared';
import type { AppDeps } from '../app-deps.js';

/** GET /api/v1/status: the benchmark target, so no I/O: just identity and uptime in seconds. */
export function registerStatusRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  const { clock, startedAtMs } = deps;
  const instanceId = deps.config.instanceId;
  router.add('GET', '/api/v1/status', ({ res }) => {
    const uptime = Math.round(clock.monotonic() - startedAtMs) / 1000;
    sendJson(res, 200, { status: 'ok', instanceId, uptime });
  });
}
