import { Counter, Histogram, type Registry } from 'prom-client';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES = ['1xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

interface Children {
  requests: { inc(): void };
  duration: { observe(v: number): void };
}

/**
 * `http_requests_total` and `http_request_duration_seconds` with bounded labels: route template
 * (never the raw path), method (unknown ones fold into OTHER), status class and tier.
 * Label children are resolved once per label combination and reused, so recording a request is two
 * map lookups and no string hashing inside prom-client.
 */
export class HttpMetrics {
  readonly #requests: Counter<'route' | 'method' | 'status_class' | 'tier'>;
  readonly #duration: Histogram<'route' | 'method' | 'status_class' | 'tier'>;
  readonly #children = new Map<string, Children>();

  constructor(registry: Registry) {
    this.#requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests handled, by route template, method, status class and tier.',
      labelNames: ['route', 'method', 'status_class', 'tier'],
      registers: [registry],
    });
    this.#duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, from first byte received to response finished.',
      labelNames: ['route', 'method', 'status_class', 'tier'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /** Records one finished request. `route` must be a template from a fixed set (bounded cardinality). */
  observe(route: string, method: string, status: number, durationSeconds: number, tier = 'none'): void {
    const m = KNOWN_METHODS.has(method) ? method : 'OTHER';
    const statusClass = STATUS_CLASSES[Math.floor(status / 100)] ?? '5xx';
    const key = `${route}\u0000${m}\u0000${statusClass}\u0000${tier}`;
    let c = this.#children.get(key);
    if (c === undefined) {
      const labels = { route, method: m, status_class: statusClass, tier };
      c = { requests: this.#requests.labels(labels), duration: this.#duration.labels(labels) };
      this.#children.set(key, c);
    }
    c.requests.inc();
    c.duration.observe(durationSeconds);
  }
}
