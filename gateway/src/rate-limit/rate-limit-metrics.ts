import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

interface PolicyChildren {
  allowed: { inc(): void };
  rejected: { inc(): void };
}

/**
 * The limiter's metrics: `floodgate_ratelimit_decisions_total{tier,decision}` (tier = policy name),
 * `floodgate_ratelimit_degraded` (1 while decisions are made without Redis),
 * `floodgate_ratelimit_decision_duration_seconds{store}` and `floodgate_ratelimit_live_gateways`.
 * Label children are resolved once per policy, so recording costs a map lookup.
 */
export class RateLimitMetrics {
  readonly #decisions: Counter<'tier' | 'decision'>;
  readonly #degraded: Gauge;
  readonly #liveGateways: Gauge;
  readonly #redisLatency: { observe(v: number): void };
  readonly #localLatency: { observe(v: number): void };
  readonly #children = new Map<string, PolicyChildren>();

  constructor(registry: Registry) {
    this.#decisions = new Counter({
      name: 'floodgate_ratelimit_decisions_total',
      help: 'Rate-limit decisions by policy (tier or route policy) and outcome (allowed, rejected).',
      labelNames: ['tier', 'decision'],
      registers: [registry],
    });
    this.#degraded = new Gauge({
      name: 'floodgate_ratelimit_degraded',
      help: '1 while rate-limit decisions are made without Redis (in-process fallback), else 0.',
      registers: [registry],
    });
    this.#liveGateways = new Gauge({
      name: 'floodgate_ratelimit_live_gateways',
      help: 'Gateways with a recent heartbeat in Redis (divides limits in degraded mode).',
      registers: [registry],
    });
    const latency = new Histogram({
      name: 'floodgate_ratelimit_decision_duration_seconds',
      help: 'Time to a rate-limit decision, by the store that made it (redis, local).',
      labelNames: ['store'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers: [registry],
    });
    this.#redisLatency = latency.labels({ store: 'redis' });
    this.#localLatency = latency.labels({ store: 'local' });
    this.#degraded.set(0);
    this.#liveGateways.set(1);
  }

  decided(policy: string, allowed: boolean): void {
    let c = this.#children.get(policy);
    if (c === undefined) {
      c = {
        allowed: this.#decisions.labels({ tier: policy, decision: 'allowed' }),
        rejected: this.#decisions.labels({ tier: policy, decision: 'rejected' }),
      };
      this.#children.set(policy, c);
    }
    (allowed ? c.allowed : c.rejected).inc();
  }

  latency(store: 'redis' | 'local', seconds: number): void {
    (store === 'redis' ? this.#redisLatency : this.#localLatency).observe(seconds);
  }

  degraded(on: boolean): void {
    this.#degraded.set(on ? 1 : 0);
  }

  liveGateways(count: number): void {
    this.#liveGateways.set(count);
  }
}
