export {
  Backend,
  type BackendOptions,
  type BackendStatus,
  type UpstreamOptions,
} from './backends/backend.js';
export { BackendPool } from './backends/backend-pool.js';
export { type LatencyPercentiles, LatencyWindow } from './backends/latency-window.js';
export type { Balancer } from './balancers/balancer.js';
export { type BalancerAlgorithm, createBalancer } from './balancers/create-balancer.js';
export { RoundRobinBalancer } from './balancers/round-robin-balancer.js';
export { createLoadBalancer, type LoadBalancer, type LoadBalancerDeps } from './load-balancer.js';
export { BACKEND_ID_HEADER } from './proxy/upstream-exchange.js';
export type { LbHealth } from './routes/health-route.js';
export type { LbStatus } from './routes/lb-status-route.js';
