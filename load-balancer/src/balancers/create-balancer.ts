import { FloodgateError, type LoadBalancerConfig } from '@floodgate/shared';
import type { Balancer } from './balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

export type BalancerAlgorithm = LoadBalancerConfig['algorithm'];

/** The balancer for a configured `LB_ALGORITHM` (validated by the config schema). */
export function createBalancer(algorithm: BalancerAlgorithm): Balancer {
  switch (algorithm) {
    case 'round-robin':
      return new RoundRobinBalancer();
    default:
      throw new FloodgateError('INTERNAL', `unknown balancer algorithm: ${String(algorithm)}`);
  }
}
