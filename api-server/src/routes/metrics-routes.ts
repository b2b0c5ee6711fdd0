import { createMetricsHandler, type RouteHandler, type Router } from '@floodgate/shared';
import type { AppDeps } from '../app-deps.js';

/** GET /metrics: Prometheus text exposition of this process's registry. */
export function registerMetricsRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  router.add('GET', '/metrics', createMetricsHandler(deps.registry));
}
