import type { LoadBalancerConfig } from '@floodgate/shared';
import type { BackendStatus } from '@floodgate/shared/admin-api';
import { type Dispatcher, Pool } from 'undici';
import { BackendBreaker } from '../breakers/backend-breaker.js';
import { LatencyWindow } from './latency-window.js';
import { isFailure, NO_RESPONSE } from './try-outcome.js';

export type UpstreamOptions = LoadBalancerConfig['upstream'];

export interface BackendOptions {
  /** Stable name used in status, metrics, logs and `x-backend-id`, e.g. "api-1". */
  id: string;
  /** Origin of the backend, e.g. "http://127.0.0.1:3001" (no path). */
  url: string;
  /** @default 1 */
  weight?: number;
}

/**
 * One upstream server: its connection pool, its breaker, its state flags and its counters.
 * Balancers only ask `isAvailable()`; health checks, the breaker and operators only flip state here.
 */
export class Backend {
  readonly id: string;
  readonly url: string;
  readonly weight: number;
  /** Set by health checks; true until one says otherwise. */
  healthy = true;
  /** A draining backend finishes its in-flight requests but receives no new ones. */
  draining = false;
  /** Requests dispatched and not yet finished (response ended or failed). */
  inFlight = 0;
  /** Requests dispatched since start. */
  requests = 0;
  /** Failed tries since start: refused, reset, timed out, or answered 5xx. */
  failures = 0;
  /** Failed tries on this backend that were retried on another one. */
  retries = 0;
  /** WebSocket tunnels currently open to this backend (not counted in `inFlight`). */
  webSockets = 0;
  readonly latency = new LatencyWindow();
  readonly breaker: BackendBreaker;
  readonly #pool: Pool;

  /** `breaker` defaults to one with the default options and its own timers. */
  constructor(options: BackendOptions, upstream: UpstreamOptions, breaker?: BackendBreaker) {
    this.id = options.id;
    this.url = options.url;
    this.weight = options.weight ?? 1;
    this.breaker = breaker ?? new BackendBreaker(options.id);
    this.#pool = new Pool(options.url, {
      connections: upstream.connections,
      pipelining: 1,
      connect: { timeout: upstream.connectTimeoutMs },
      headersTimeout: upstream.headersTimeoutMs,
      bodyTimeout: upstream.bodyTimeoutMs,
    });
  }

  /** True when new requests may be sent here: healthy, breaker admitting (closed, or a free half-open trial slot) and not draining. */
  isAvailable(): boolean {
    return this.healthy && !this.draining && this.breaker.admits();
  }

  /**
   * Sends one request on this backend's keep-alive pool and counts it as in flight. The caller
   * takes the breaker's trial token (`breaker.onDispatch()`) first and reports the outcome with it
   * (`recordOutcome`), or releases it (`breaker.recordNeutral`) when the try said nothing.
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.inFlight++;
    this.requests++;
    this.#pool.dispatch(options, handler);
  }

  /**
   * How one try here ended (`try-outcome.ts`), reported once per try: a failure is counted, an
   * answer's time to headers goes into the latency window, and the breaker learns the outcome with
   * the try's trial token.
   */
  recordOutcome(outcome: number, latencyMs: number, token: number): void {
    if (isFailure(outcome)) this.failures++;
    if (outcome !== NO_RESPONSE) this.latency.record(latencyMs);
    this.breaker.recordOutcome(outcome, latencyMs, token);
  }

  /** Called exactly once per dispatched request, when it has ended either way. */
  finish(): void {
    this.inFlight--;
  }

  /** The wire view of this backend (`/lb/status`, `/lb/admin/backends`). */
  toStatus(): BackendStatus {
    const { p50, p99 } = this.latency.percentiles();
    return {
      id: this.id,
      url: this.url,
      weight: this.weight,
      healthy: this.healthy,
      circuitState: this.breaker.state,
      draining: this.draining,
      available: this.isAvailable(),
      inFlight: this.inFlight,
      requests: this.requests,
      failures: this.failures,
      retries: this.retries,
      webSockets: this.webSockets,
      latency: { p50Ms: p50, p99Ms: p99 },
    };
  }

  /** Waits for in-flight requests, then closes the connections and stops the breaker. */
  async close(): Promise<void> {
    await this.#pool.close();
    this.breaker.shutdown();
  }

  /** Closes the connections at once, failing whatever is still in flight, and stops the breaker. */
  async destroy(): Promise<void> {
    this.breaker.shutdown();
    await this.#pool.destroy();
  }
}
