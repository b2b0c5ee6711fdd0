import { HttpMetrics } from '@floodgate/shared';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Backend } from '../backends/backend.js';
import type { BackendPool } from '../backends/backend-pool.js';
import { NO_RESPONSE } from '../backends/try-outcome.js';
import { registerCircuitBreakerMetrics } from '../breakers/circuit-breaker-metrics.js';
import { HealthCheckMetrics } from '../health/health-check-metrics.js';

/** Status classes of upstream answers, indexed by `status / 100`; "error" = no answer (transport failure). */
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const ERROR_INDEX = STATUS_CLASSES.length;

/** Why a request was retried: the failed try's error kind or status. */
export type RetryReason = 'connect' | 'reset' | 'timeout' | '502' | '503' | '504';
const RETRY_REASONS: readonly RetryReason[] = ['connect', 'reset', 'timeout', '502', '503', '504'];

interface Inc {
  inc(): void;
}

/** Label children of one backend, resolved once and reused for every request. */
interface BackendSeries {
  answers: Inc[];
  latency: { observe(seconds: number): void };
}

/**
 * The balancer's own metrics on top of the shared HTTP ones. Gauges (`floodgate_backend_up`,
 * `floodgate_circuit_state`) are computed from the pool at scrape time; request-path counters and
 * the latency histogram use label children resolved once per backend (or reason) and reused.
 */
export class LoadBalancerMetrics {
  readonly http: HttpMetrics;
  readonly health: HealthCheckMetrics;
  readonly #upstream: Counter<'backend' | 'status_class'>;
  readonly #latency: Histogram<'backend'>;
  readonly #retries: Record<RetryReason, Inc>;
  readonly #budgetExhausted: Counter;
  readonly #series = new WeakMap<Backend, BackendSeries>();

  constructor(registry: Registry, pool: BackendPool) {
    this.http = new HttpMetrics(registry);
    this.health = new HealthCheckMetrics(registry);
    this.#upstream = new Counter({
      name: 'floodgate_upstream_requests_total',
      help: 'Requests sent to backends, by backend and status class of the answer ("error" when none came).',
      labelNames: ['backend', 'status_class'],
      registers: [registry],
    });
    this.#latency = new Histogram({
      name: 'floodgate_upstream_latency_seconds',
      help: 'Time from sending a request to a backend to its response headers, per backend.',
      labelNames: ['backend'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    const retries = new Counter({
      name: 'floodgate_retries_total',
      help: 'Requests retried on another backend, by reason (connect, reset, timeout, 502, 503, 504).',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.#retries = Object.fromEntries(RETRY_REASONS.map((r) => [r, retries.labels(r)])) as Record<
      RetryReason,
      Inc
    >;
    this.#budgetExhausted = new Counter({
      name: 'floodgate_retry_budget_exhausted_total',
      help: 'Retries not attempted because the retry budget was used up.',
      registers: [registry],
    });
    new Gauge({
      name: 'floodgate_backend_up',
      help: 'Whether a backend is available for new requests (1) or not (0).',
      labelNames: ['backend'],
      registers: [registry],
      collect() {
        this.reset();
        for (const b of pool.backends) this.labels(b.id).set(b.isAvailable() ? 1 : 0);
      },
    });
    registerCircuitBreakerMetrics(registry, pool);
    pool.subscribe({ removed: (b) => this.#forget(b) });
  }

  /**
   * Counts one try on `backend` by the status class of its outcome ("error" for `NO_RESPONSE`); an
   * answer's time to headers, `latencyMs`, also goes into the latency histogram.
   */
  recordUpstream(backend: Backend, outcome: number, latencyMs: number): void {
    const series = this.#seriesFor(backend);
    if (outcome === NO_RESPONSE) {
      (series.answers[ERROR_INDEX] as Inc).inc();
      return;
    }
    const index = outcome >= 100 && outcome < 600 ? Math.floor(outcome / 100) : 5;
    (series.answers[index] as Inc).inc();
    series.latency.observe(latencyMs / 1000);
  }

  recordRetry(reason: RetryReason): void {
    this.#retries[reason].inc();
  }

  recordRetryBudgetExhausted(): void {
    this.#budgetExhausted.inc();
  }

  #seriesFor(backend: Backend): BackendSeries {
    let series = this.#series.get(backend);
    if (series === undefined) {
      series = {
        answers: [...STATUS_CLASSES, 'error'].map((c) =>
          this.#upstream.labels({ backend: backend.id, status_class: c }),
        ),
        latency: this.#latency.labels(backend.id),
      };
      this.#series.set(backend, series);
    }
    return series;
  }

  #forget(backend: Backend): void {
    this.#series.delete(backend);
    for (const c of [...STATUS_CLASSES, 'error'])
      this.#upstream.remove({ backend: backend.id, status_class: c });
    this.#latency.remove({ backend: backend.id });
    this.health.forget(backend.id);
  }
}
