import { createMetricsHandler, type Router } from '@floodgate/shared';
import type { AppDeps } from '../app-deps.js';
import type { Handler } from '../http/request-context.js';

/** GET /metrics: Prometheus text exposition of this process's registry. */
export function registerMetricsRoutes(router: Router<Handler>, deps: AppDeps): void {
  const handler = createMetricsHandler(deps.registry);
  router.add('GET', '/metrics', ({ req, res }) => handler(req, res));
}
