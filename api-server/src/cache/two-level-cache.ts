import type { Queryable } from '@floodgate/database';
import type { ApiServerConfig, Clock, Logger, Pool } from '@floodgate/shared';
import type { CacheCleared } from '@floodgate/shared/admin-api';
import { CacheAdmin } from './cache-admin.js';
import type { CacheMetrics } from './cache-metrics.js';
import { type CacheRead, CacheReadPath, type CacheStatus, type Loader } from './cache-read-path.js';
import { CacheWritePath } from './cache-write-path.js';
import type { CoherenceProtocol, WriteWaitOutcome } from './coherence-protocol.js';
import type { L1Cache } from './l1-cache.js';
import { L2Trust } from './l2-trust.js';
import { LocalInvalidation } from './local-invalidation.js';
import type { RedisL2Store } from './redis-l2-store.js';
import { SingleFlight } from './single-flight.js';

export type { CacheRead, CacheStatus, Loader, WriteWaitOutcome };

export interface TwoLevelCacheOptions {
  config: ApiServerConfig['cache'];
  clock: Clock;
  logger: Logger;
  /** Writes run in a transaction on a client from here. */
  pool: Pool;
  /** How long a write whose COMMIT answer was lost keeps asking PostgreSQL whether it committed. */
  outcomeLookupMs: number;
  l1: L1Cache;
  l2: RedisL2Store | null;
  protocol: CoherenceProtocol;
  metrics: CacheMetrics;
  random?: () => number;
}

/**
 * Cache-aside for resource reads: L1 (this process) → L2 (Redis) → PostgreSQL, with single flight
 * per key, a cluster-wide load lock, stale-if-error, and writes that return only once no instance
 * can serve the old value. docs/caching.md states the rules and why they are enough.
 *
 * This class wires the parts and is what routes use: the read path (`CacheReadPath`), the write
 * path (`CacheWritePath`), whether L2 may be read (`L2Trust`), what an invalidation drops here
 * (`LocalInvalidation`), and clearing and stats (`CacheAdmin`).
 */
export class TwoLevelCache {
  readonly #enabled: boolean;
  readonly #flights: SingleFlight<CacheRead>;
  readonly #local: LocalInvalidation;
  readonly #trust: L2Trust;
  readonly #reads: CacheReadPath;
  readonly #writes: CacheWritePath;
  readonly #admin: CacheAdmin;

  constructor(options: TwoLevelCacheOptions) {
    const { config, clock, l1, l2, protocol, metrics } = options;
    this.#enabled = config.enabled;
    this.#flights = new SingleFlight<CacheRead>(() => protocol.session);
    this.#local = new LocalInvalidation(l1, this.#flights, metrics);
    this.#trust = new L2Trust({ l2, protocol, clock, logger: options.logger, retryMs: config.l2RetryMs });
    const parts = {
      l1,
      l2,
      protocol,
      metrics,
      flights: this.#flights,
      local: this.#local,
      trust: this.#trust,
    };
    this.#reads = new CacheReadPath({ ...parts, config, clock, random: options.random ?? Math.random });
    this.#writes = new CacheWritePath({
      enabled: config.enabled,
      clock,
      pool: options.pool,
      outcomeLookupMs: options.outcomeLookupMs,
      l2,
      protocol,
      local: this.#local,
      trust: this.#trust,
    });
    this.#admin = new CacheAdmin({ ...parts, config });
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  get coalesced(): number {
    return this.#flights.joins;
  }

  get l2Trusted(): boolean {
    return this.#trust.trusted;
  }

  /** The protocol's handlers (wired by createResourceCache). */
  readonly handlers = {
    invalidate: (tags: readonly string[]) => this.#local.invalidate(tags, 'remote'),
    distrustL2: () => this.#trust.distrust(),
    sessionChanged: (session: number) => this.#trust.sessionChanged(session),
  };

  read(key: string, load: Loader): Promise<CacheRead> {
    return this.#reads.read(key, load);
  }

  /**
   * Runs `op` in a transaction that also carries the invalidation of `tagsOf(result)`; resolves once
   * the write is committed and coherent everywhere. `op` returning null means nothing changed.
   * Rejects with WRITE_OUTCOME_UNKNOWN when the commit could not be verified; any other rejection
   * means nothing was committed.
   */
  write<T>(op: (db: Queryable) => Promise<T | null>, tagsOf: (result: T) => readonly string[]) {
    return this.#writes.write(op, tagsOf);
  }

  /** Admin: drops cached values on this instance (L1) and in L2 (all, one key, or a key prefix). */
  clear(scope: { key?: string; prefix?: string } = {}): Promise<{ l1: number; l2: CacheCleared['l2'] }> {
    return this.#admin.clear(scope);
  }

  /** Plain-data stats for /internal/cache. */
  stats() {
    return this.#admin.stats();
  }

  /** Stops background work (the L2 re-validation retry timer). */
  close(): void {
    this.#trust.close();
  }
}
