export { type ApiServer, type ApiServerDeps, createApiServer } from './api-server.js';
export {
  type CircuitState,
  ExternalBreaker,
  type ExternalBreakerOptions,
  type ExternalOutcome,
  type FallbackReason,
} from './external/external-breaker.js';
export {
  createFlakyDependency,
  type ExternalData,
  type FlakyDependency,
  type FlakyDependencyOptions,
} from './external/flaky-dependency.js';
