import { FloodgateError, type LoadBalancerConfig } from '@floodgate/shared';
import type { Balancer } from './balancer.js';
import { LeastConnectionsBalancer } from './least-connections-balancer.js';
import { PowerOfTwoChoicesBalancer } from './power-of-two-choices-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import { WeightedRoundRobinBalancer } from './weighted-round-robin-balancer.js';

export type BalancerAlgorithm = LoadBalancerConfig['algorithm'];

/** The balancer for a configured `LB_ALGORITHM` (validated by the config schema). */
export function createBalancer(algorithm: BalancerAlgorithm): Balancer {
  switch (algorithm) {
    case 'round-robin':
      return new RoundRobinBalancer();
    case 'weighted-round-robin':
      return new WeightedRoundRobinBalancer();
    case 'least-connections':
      return new LeastConnectionsBalancer();
    case 'power-of-two-choices':
      return new PowerOfTwoChoicesBalancer();
    default:
      throw new FloodgateError('INTERNAL', `unknown balancer algorithm: ${String(algorithm)}`);
  }
}
