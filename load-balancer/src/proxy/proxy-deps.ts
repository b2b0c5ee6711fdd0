import type { Clock, Logger } from '@floodgate/shared';
import type { BackendPool } from '../backends/backend-pool.js';
import type { LoadBalancerMetrics } from '../metrics/load-balancer-metrics.js';
import type { RetryBudget } from './retry-budget.js';

/** Proxy behaviour fixed at startup. */
export interface ProxySettings {
  /** Retries per request, each on a different backend. */
  maxRetries: number;
  /** Bodies up to this size are buffered for retries; larger ones are streamed and never retried. */
  retryBodyLimitBytes: number;
  /** Per try: time to response headers. */
  tryTimeoutMs: number;
  /** Whole request: time to response headers across tries. */
  requestTimeoutMs: number;
}

/** Process state the proxy reads per request. */
export interface Lifecycle {
  /** Shutting down: every response carries `Connection: close`. */
  closing: boolean;
}

/** What the proxy needs from its surroundings, built once at startup. */
export interface ProxyDeps {
  logger: Logger;
  /**
   * The access log: `logger` without redaction. Its lines have a fixed shape (reqId, method, path
   * without query, status, ms, backend, retries) with no field that can hold a credential, and
   * pino's key-based redaction costs ~3 µs a line.
   */
  accessLog: Logger;
  clock: Clock;
  metrics: LoadBalancerMetrics;
  pool: BackendPool;
  budget: RetryBudget;
  settings: ProxySettings;
  lifecycle: Lifecycle;
}
