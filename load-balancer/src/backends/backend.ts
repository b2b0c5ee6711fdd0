import type { LoadBalancerConfig } from '@floodgate/shared';
import { type Dispatcher, Pool } from 'undici';
import { type LatencyPercentiles, LatencyWindow } from './latency-window.js';

export type UpstreamOptions = LoadBalancerConfig['upstream'];

export interface BackendOptions {
  /** Stable name used in status, metrics, logs and `x-backend-id`, e.g. "api-1". */
  id: string;
  /** Origin of the backend, e.g. "http://127.0.0.1:3001" (no path). */
  url: string;
  /** @default 1 */
  weight?: number;
}

/** A plain-data view of a backend for `/lb/status` and the admin API. */
export interface BackendStatus {
  id: string;
  url: string;
  weight: number;
  healthy: boolean;
  draining: boolean;
  available: boolean;
  inFlight: number;
  requests: number;
  failures: number;
  latencyMs: LatencyPercentiles;
}

/**
 * One upstream server: its connection pool, its state flags and its counters.
 * Balancers only ask `isAvailable()`; health checks and the breaker (later) only flip state here.
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
  /** Transport failures since start: refused, reset, timed out. Upstream 5xx answers are not counted. */
  failures = 0;
  readonly latency = new LatencyWindow();
  readonly #pool: Pool;

  constructor(options: BackendOptions, upstream: UpstreamOptions) {
    this.id = options.id;
    this.url = options.url;
    this.weight = options.weight ?? 1;
    this.#pool = new Pool(options.url, {
      connections: upstream.connections,
      pipelining: 1,
      connect: { timeout: upstream.connectTimeoutMs },
      headersTimeout: upstream.headersTimeoutMs,
      bodyTimeout: upstream.bodyTimeoutMs,
    });
  }

  /** True when new requests may be sent here: healthy and not draining (later: breaker not open). */
  isAvailable(): boolean {
    return this.healthy && !this.draining;
  }

  /** Sends one request on this backend's keep-alive pool and counts it as in flight. */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    this.inFlight++;
    this.requests++;
    this.#pool.dispatch(options, handler);
  }

  /** The backend answered: `latencyMs` is the time to response headers. */
  recordResponse(_status: number, latencyMs: number): void {
    this.latency.record(latencyMs);
  }

  /** The backend could not be reached, reset the connection or timed out. */
  recordFailure(): void {
    this.failures++;
  }

  /** Called exactly once per dispatched request, when it has ended either way. */
  finish(): void {
    this.inFlight--;
  }

  toStatus(): BackendStatus {
    return {
      id: this.id,
      url: this.url,
      weight: this.weight,
      healthy: this.healthy,
      draining: this.draining,
      available: this.isAvailable(),
      inFlight: this.inFlight,
      requests: this.requests,
      failures: this.failures,
      latencyMs: this.latency.percentiles(),
    };
  }

  /** Waits for in-flight requests, then closes the connections. */
  close(): Promise<void> {
    return this.#pool.close();
  }

  /** Closes the connections at once, failing whatever is still in flight. */
  destroy(): Promise<void> {
    return this.#pool.destroy();
  }
}
