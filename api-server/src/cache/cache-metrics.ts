import { Counter, Gauge, type Registry } from 'prom-client';

/** Outcomes counted per cache level. `bypass`: not consulted (no lease, or L2 unavailable/untrusted). */
export type LevelResult = 'hit' | 'miss' | 'bypass' | 'error';

interface Inc {
  inc(): void;
}

export interface CacheGaugeSource {
  l1Entries(): number;
  l1Bytes(): number;
  l1Evictions(): number;
  coherent(): boolean;
  l2Trusted(): boolean;
  busMembers(): number;
}

/**
 * The cache's counters, kept as plain numbers for `/internal/cache` and mirrored into prom-client
 * (`floodgate_cache_*`) through label children resolved once here, never per request.
 */
export class CacheMetrics {
  readonly l1 = { hit: 0, miss: 0, bypass: 0 };
  readonly l2 = { hit: 0, miss: 0, bypass: 0, error: 0 };
  readonly loads = { ok: 0, error: 0 };
  staleServed = 0;
  readonly lockWaits = { l2Hit: 0, acquired: 0, timeout: 0 };
  readonly invalidations = { local: 0, remote: 0 };
  readonly #requests: Record<'l1' | 'l2', Record<LevelResult, Inc>>;
  readonly #loads: Record<'ok' | 'error', Inc>;
  readonly #stale: Inc;
  readonly #lockWaits: Record<'l2Hit' | 'acquired' | 'timeout', Inc>;
  readonly #invalidations: Record<'local' | 'remote', Inc>;

  constructor(registry: Registry, source: CacheGaugeSource, coalesced: () => number) {
    const requests = new Counter({
      name: 'floodgate_cache_requests_total',
      help: 'Cache lookups by level (l1, l2) and result (hit, miss, bypass, error).',
      labelNames: ['level', 'result'],
      registers: [registry],
    });
    const child = (level: string) => ({
      hit: requests.labels(level, 'hit'),
      miss: requests.labels(level, 'miss'),
      bypass: requests.labels(level, 'bypass'),
      error: requests.labels(level, 'error'),
    });
    this.#requests = { l1: child('l1'), l2: child('l2') };
    const loads = new Counter({
      name: 'floodgate_cache_loads_total',
      help: 'PostgreSQL loads made by the cache on a miss, by result.',
      labelNames: ['result'],
      registers: [registry],
    });
    this.#loads = { ok: loads.labels('ok'), error: loads.labels('error') };
    this.#stale = new Counter({
      name: 'floodgate_cache_stale_served_total',
      help: 'Responses served from a stale copy because PostgreSQL failed or was slow (X-Cache: STALE).',
      registers: [registry],
    });
    mirrorCounter(
      registry,
      'floodgate_cache_coalesced_total',
      'Requests that shared another request’s load (single flight) instead of loading.',
      coalesced,
    );
    mirrorCounter(
      registry,
      'floodgate_cache_evictions_total',
      'L1 entries evicted by the entry-count or byte bound.',
      () => source.l1Evictions(),
    );
    const lockWaits = new Counter({
      name: 'floodgate_cache_lock_waits_total',
      help: 'Misses that waited for another instance’s load, by outcome (l2_hit, acquired, timeout).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.#lockWaits = {
      l2Hit: lockWaits.labels('l2_hit'),
      acquired: lockWaits.labels('acquired'),
      timeout: lockWaits.labels('timeout'),
    };
    const invalidations = new Counter({
      name: 'floodgate_cache_invalidations_total',
      help: 'Tag invalidations applied, by origin (local write, remote write).',
      labelNames: ['origin'],
      registers: [registry],
    });
    this.#invalidations = { local: invalidations.labels('local'), remote: invalidations.labels('remote') };
    new Gauge({
      name: 'floodgate_cache_l1_entries',
      help: 'Entries in the L1 cache.',
      registers: [registry],
      collect() {
        this.set(source.l1Entries());
      },
    });
    new Gauge({
      name: 'floodgate_cache_l1_bytes',
      help: 'Bytes charged to the L1 cache.',
      registers: [registry],
      collect() {
        this.set(source.l1Bytes());
      },
    });
    new Gauge({
      name: 'floodgate_cache_coherent',
      help: '1 while this instance holds a coherence lease (may serve from L1/L2), else 0.',
      registers: [registry],
      collect() {
        this.set(source.coherent() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'floodgate_cache_l2_trusted',
      help: '1 while this instance reads L2, 0 while L2 awaits re-validation.',
      registers: [registry],
      collect() {
        this.set(source.l2Trusted() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'floodgate_cache_bus_members',
      help: 'Other api-servers heard on the invalidation bus within one lease.',
      registers: [registry],
      collect() {
        this.set(source.busMembers());
      },
    });
  }

  level(level: 'l1' | 'l2', result: LevelResult): void {
    (this[level] as Record<LevelResult, number>)[result]++;
    this.#requests[level][result].inc();
  }

  load(result: 'ok' | 'error'): void {
    this.loads[result]++;
    this.#loads[result].inc();
  }

  stale(): void {
    this.staleServed++;
    this.#stale.inc();
  }

  lockWait(outcome: 'l2Hit' | 'acquired' | 'timeout'): void {
    this.lockWaits[outcome]++;
    this.#lockWaits[outcome].inc();
  }

  invalidated(origin: 'local' | 'remote', tags: number): void {
    this.invalidations[origin] += tags;
    for (let i = 0; i < tags; i++) this.#invalidations[origin].inc();
  }
}

/** A counter whose value is kept elsewhere (a plain number) and brought up to date at scrape time. */
function mirrorCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const total = read();
      if (total > seen) this.inc(total - seen);
      seen = total;
    },
  });
}
