import type { Clock, Logger } from '@floodgate/shared';
import type { LoadBalancerMetrics } from '../metrics/load-balancer-metrics.js';

/** What the proxy needs from its surroundings, built once at startup. */
export interface ProxyDeps {
  logger: Logger;
  clock: Clock;
  metrics: LoadBalancerMetrics;
}
