import type { ApiServerConfig } from '@floodgate/shared';
import type { CacheCleared } from '@floodgate/shared/admin-api';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheRead } from './cache-read-path.js';
import type { CoherenceProtocol } from './coherence-protocol.js';
import type { L1Cache } from './l1-cache.js';
import type { L2Trust } from './l2-trust.js';
import type { LocalInvalidation } from './local-invalidation.js';
import type { RedisL2Store } from './redis-l2-store.js';
import type { SingleFlight } from './single-flight.js';

export interface CacheAdminOptions {
  config: ApiServerConfig['cache'];
  l1: L1Cache;
  l2: RedisL2Store | null;
  protocol: CoherenceProtocol;
  metrics: CacheMetrics;
  flights: SingleFlight<CacheRead>;
  local: LocalInvalidation;
  trust: L2Trust;
}

/** The cache's operator side: clearing (not a data change, so no coherence needed) and stats. */
export class CacheAdmin {
  readonly #o: CacheAdminOptions;

  constructor(options: CacheAdminOptions) {
    this.#o = options;
  }

  /** Drops cached values on this instance (L1) and in L2 (all, one key, or a key prefix). */
  async clear(
    scope: { key?: string; prefix?: string } = {},
  ): Promise<{ l1: number; l2: CacheCleared['l2'] }> {
    const { l1: l1Cache, flights, local } = this.#o;
    let l1: number;
    if (scope.key !== undefined) {
      const key = scope.key;
      l1 = l1Cache.delete(key) ? 1 : 0;
      flights.invalidate(key);
    } else if (scope.prefix !== undefined) {
      const prefix = scope.prefix;
      l1 = l1Cache.deletePrefix(prefix);
      flights.invalidateWhere((k) => k.startsWith(prefix));
    } else {
      l1 = l1Cache.clear();
      local.bumpLists();
      flights.invalidateWhere(() => true);
    }
    const l2 = this.#o.l2;
    if (l2 === null) return { l1, l2: { result: 'none' } };
    try {
      if (scope.key !== undefined)
        return { l1, l2: { result: 'deleted', deleted: await l2.deleteKey(scope.key) } };
      if (scope.prefix !== undefined) {
        return { l1, l2: { result: 'deleted', deleted: await l2.deletePrefix(scope.prefix) } };
      }
      return { l1, l2: { result: 'new_namespace', namespace: await l2.bumpEpoch() } };
    } catch (err) {
      return { l1, l2: { result: 'unavailable', error: (err as Error).message } };
    }
  }

  /** Plain-data stats for /internal/cache. */
  stats() {
    const { config: c, l1, l2, protocol: p, metrics: m, flights, trust } = this.#o;
    return {
      enabled: c.enabled,
      coherence: {
        bus: p.state,
        session: p.session,
        leaseValid: p.leaseValid(),
        leaseRemainingMs: Math.round(p.leaseRemainingMs()),
        members: p.liveMembers(),
        pendingWrites: p.pendingWrites,
        writeWaits: { ...p.outcomes },
      },
      l1: {
        entries: l1.size,
        bytes: l1.bytes,
        maxEntries: c.l1MaxEntries,
        maxBytes: c.l1MaxBytes,
        hits: m.l1.hit,
        misses: m.l1.miss,
        bypasses: m.l1.bypass,
        evictions: l1.evictions,
      },
      l2: {
        configured: l2 !== null,
        available: l2?.available ?? false,
        connection: l2?.status ?? 'none',
        trusted: trust.trusted,
        hits: m.l2.hit,
        misses: m.l2.miss,
        bypasses: m.l2.bypass,
        errors: m.l2.error,
      },
      loads: { ...m.loads },
      coalesced: flights.joins,
      staleServed: m.staleServed,
      lockWaits: { ...m.lockWaits },
      invalidations: { ...m.invalidations },
    };
  }
}
