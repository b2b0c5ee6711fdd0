import { HttpMetrics } from '@floodgate/shared';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Backend } from '../backends/backend.js';
import type { BackendPool } from '../backends/backend-pool.js';

/** Status classes of upstream answers, indexed by `status / 100`; "error" = no answer (transport failure). */
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const ERROR_INDEX = STATUS_CLASSES.length;

interface Inc {
  inc(): void;
}

/**
 * The balancer's own metrics on top of the shared HTTP ones. `floodgate_backend_up` is computed from
 * the pool snapshot at scrape time (no request-path cost); upstream counters are label children
 * resolved once per backend and reused.
 */
export class LoadBalancerMetrics {
  readonly http: HttpMetrics;
  readonly #upstream: Counter<'backend' | 'status_class'>;
  readonly #children = new WeakMap<Backend, Inc[]>();

  constructor(registry: Registry, pool: BackendPool) {
    this.http = new HttpMetrics(registry);
    this.#upstream = new Counter({
      name: 'floodgate_upstream_requests_total',
      help: 'Requests sent to backends, by backend and status class of the answer ("error" when none came).',
      labelNames: ['backend', 'status_class'],
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
  }

  /** Counts one upstream answer with status `status`. */
  recordUpstream(backend: Backend, status: number): void {
    const index = status >= 100 && status < 600 ? Math.floor(status / 100) : 5;
    (this.#childrenFor(backend)[index] as Inc).inc();
  }

  /** Counts one upstream request that got no answer. */
  recordUpstreamError(backend: Backend): void {
    (this.#childrenFor(backend)[ERROR_INDEX] as Inc).inc();
  }

  #childrenFor(backend: Backend): Inc[] {
    let children = this.#children.get(backend);
    if (children === undefined) {
      children = [...STATUS_CLASSES, 'error'].map((c) =>
        this.#upstream.labels({ backend: backend.id, status_class: c }),
      );
      this.#children.set(backend, children);
    }
    return children;
  }
}
