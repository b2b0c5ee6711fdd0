export {
  type AdminReply,
  type AdminRequest,
  type AdminRouteHandler,
  type AdminRouter,
  createAdminRouter,
} from './admin/admin-route.js';
export {
  ADMIN_PREFIX,
  type AdminHandler,
  type AdminHandlerOptions,
  createAdminHandler,
} from './admin/create-admin-handler.js';
export { Backend, type BackendOptions, type UpstreamOptions } from './backends/backend.js';
export { registerBackendAdminRoutes } from './backends/backend-admin-routes.js';
export {
  BackendPool,
  type BackendPoolOptions,
  type BackendSpec,
  type PoolListener,
} from './backends/backend-pool.js';
export { type LatencyPercentiles, LatencyWindow } from './backends/latency-window.js';
export { type Balancer, isEligible } from './balancers/balancer.js';
export { type BalancerAlgorithm, createBalancer } from './balancers/create-balancer.js';
export { LeastConnectionsBalancer } from './balancers/least-connections-balancer.js';
export { PowerOfTwoChoicesBalancer } from './balancers/power-of-two-choices-balancer.js';
export { RoundRobinBalancer } from './balancers/round-robin-balancer.js';
export { WeightedRoundRobinBalancer } from './balancers/weighted-round-robin-balancer.js';
export {
  BackendBreaker,
  type BreakerDeps,
  type BreakerOptions,
  CIRCUIT_STATES,
  type CircuitBreakerStatus,
  type CircuitState,
  DEFAULT_BREAKER_OPTIONS,
} from './breakers/backend-breaker.js';
export { BucketRotation } from './breakers/bucket-rotation.js';
export {
  registerCircuitBreakerAdminRoutes,
  toCircuitBreakerStatus,
} from './breakers/circuit-breaker-admin-routes.js';
export {
  HealthChecker,
  type HealthCheckerDeps,
  type HealthCheckOptions,
  type HealthCheckResult,
  type HealthCheckTarget,
  type HealthStatusSetter,
} from './health/health-checker.js';
export { createHttpProbe, type Probe, type ProbeOutcome, type ProbeVerdict } from './health/http-probe.js';
export {
  createLoadBalancer,
  type LoadBalancer,
  type LoadBalancerDeps,
  type LoadBalancerEvents,
} from './load-balancer.js';
export { RETRY_REASONS, type RetryReason } from './metrics/load-balancer-metrics.js';
export { RetryBudget } from './proxy/retry-budget.js';
export { mayRetryAfterSent } from './proxy/retry-policy.js';
export { BACKEND_ID_HEADER } from './proxy/upstream-exchange.js';
export type { LbHealth } from './routes/health-route.js';
export { pickSticky, stickyClientKey } from './websocket/sticky-pick.js';
export { WebSocketProxy } from './websocket/websocket-proxy.js';
