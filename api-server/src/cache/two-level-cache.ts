import { randomBytes } from 'node:crypto';
import type { Queryable } from '@floodgate/database';
import {
  type ApiServerConfig,
  type Clock,
  isFloodgateError,
  type Logger,
  type Pool,
  withTransaction,
} from '@floodgate/shared';
import type { CacheCleared } from '@floodgate/shared/admin-api';
import { toPublicError } from '../http/public-error.js';
import { isListKey, LIST_TAG, tagOf } from './cache-keys.js';
import type { CacheMetrics } from './cache-metrics.js';
import { CachedValue } from './cached-value.js';
import type { CoherenceProtocol, PreparedInvalidation, WriteWaitOutcome } from './coherence-protocol.js';
import type { L1Cache } from './l1-cache.js';
import { CACHE_CHANNEL } from './pg-coherence-bus.js';
import type { L2ReadResult, RedisL2Store } from './redis-l2-store.js';
import { type Flight, SingleFlight } from './single-flight.js';

/** The `X-Cache` answer: where the body came from. */
export type CacheStatus = 'HIT-L1' | 'HIT-L2' | 'MISS' | 'STALE';

export interface CacheRead {
  status: CacheStatus;
  /** null: the loader found nothing (not cached). */
  value: CachedValue | null;
}

/** Loads the JSON body from PostgreSQL; null when there is nothing. */
export type Loader = () => Promise<string | null>;

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

interface Seen {
  epoch: string;
  gen: string;
}

/**
 * Cache-aside for resource reads: L1 (this process) → L2 (Redis) → PostgreSQL, with single flight
 * per key, a cluster-wide load lock, stale-if-error, and writes that return only once no instance
 * can serve the old value. docs/caching.md states the rules and why they are enough.
 *
 * The rules in short: L1 is served and in-flight loads are shared only while the coherence lease
 * is valid and only within the bus session they were made in; L2 is read only with the lease and
 * while trusted (re-validated by a new L2 namespace after any session change or failed L2
 * invalidation); nothing loaded while a write to its tag was in progress is stored.
 */
export class TwoLevelCache {
  readonly #c: ApiServerConfig['cache'];
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #pool: Pool;
  readonly #outcomeLookupMs: number;
  readonly #l1: L1Cache;
  readonly #l2: RedisL2Store | null;
  readonly #protocol: CoherenceProtocol;
  readonly #metrics: CacheMetrics;
  readonly #random: () => number;
  readonly #flights: SingleFlight<CacheRead>;
  /** Bumped by every write: list pages cached before are not served. */
  #listGen = 0;
  /** The session in which L2 was last re-validated (0: untrusted). */
  #trustedSession = 0;
  #distrusts = 0;
  #retrusting = false;
  #retrustTimer: ReturnType<Clock['setTimeout']> | null = null;
  #closed = false;

  constructor(options: TwoLevelCacheOptions) {
    this.#c = options.config;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#pool = options.pool;
    this.#outcomeLookupMs = options.outcomeLookupMs;
    this.#l1 = options.l1;
    this.#l2 = options.l2;
    this.#protocol = options.protocol;
    this.#metrics = options.metrics;
    this.#random = options.random ?? Math.random;
    this.#flights = new SingleFlight(() => this.#protocol.session);
  }

  get enabled(): boolean {
    return this.#c.enabled;
  }

  get coalesced(): number {
    return this.#flights.joins;
  }

  get l2Trusted(): boolean {
    return this.#trustedSession !== 0 && this.#trustedSession === this.#protocol.session;
  }

  /** The protocol's handlers (wired by createResourceCache). */
  readonly handlers = {
    invalidate: (tags: readonly string[]) => this.#invalidate(tags, 'remote'),
    distrustL2: () => {
      this.#trustedSession = 0;
      this.#distrusts++;
      this.#retrust();
    },
    sessionChanged: (session: number) => {
      this.#trustedSession = 0;
      this.#distrusts++;
      if (session !== 0) this.#retrust();
    },
  };

  async read(key: string, load: Loader): Promise<CacheRead> {
    if (!this.#c.enabled) {
      const json = await load();
      return { status: 'MISS', value: json === null ? null : this.#newValue(json) };
    }
    const coherent = this.#protocol.leaseValid();
    if (coherent) {
      const e = this.#l1.get(key);
      if (
        e !== undefined &&
        e.session === this.#protocol.session &&
        this.#clock.monotonic() < e.freshUntil &&
        (e.listGen === -1 || e.listGen === this.#listGen)
      ) {
        this.#metrics.level('l1', 'hit');
        return { status: 'HIT-L1', value: e.value };
      }
      this.#metrics.level('l1', 'miss');
    } else {
      this.#metrics.level('l1', 'bypass');
    }
    return this.#flights.run(key, coherent, (flight) => this.#fill(flight, load));
  }

  /**
   * Runs `op` in a transaction that also carries the invalidation of `tagsOf(result)`; resolves once
   * the write is committed and coherent everywhere. `op` returning null means nothing changed (rolled
   * back). Rejects with WRITE_OUTCOME_UNKNOWN when the commit could not be verified; any other
   * rejection means nothing was committed (withTransaction).
   */
  async write<T>(op: (db: Queryable) => Promise<T | null>, tagsOf: (result: T) => readonly string[]) {
    const enabled = this.#c.enabled;
    let tags: readonly string[] = [];
    let prepared: PreparedInvalidation | null = null;
    let l2Begun = false;
    let result: T | null;
    try {
      result = await withTransaction(
        this.#pool,
        async (db) => {
          const changed = await op(db);
          if (changed === null || !enabled) return changed;
          tags = tagsOf(changed);
          l2Begun = await this.#beginL2Write(tags);
          // A writer that could not invalidate L2 tells everyone to stop trusting it (flag `s`).
          prepared = this.#protocol.prepare(tags, !l2Begun);
          if (prepared.payload !== null) {
            await db.query('SELECT pg_notify($1, $2)', [CACHE_CHANNEL, prepared.payload]);
          }
          return changed;
        },
        {
          commitIf: (changed) => changed !== null,
          outcomeLookupMs: this.#outcomeLookupMs,
          clock: this.#clock,
        },
      );
    } catch (err) {
      const p = prepared as PreparedInvalidation | null;
      if (p !== null && isFloodgateError(err) && err.code === 'WRITE_OUTCOME_UNKNOWN') {
        // The commit may have happened: forget what we had cached of it, as after a commit.
        this.#invalidate(tags, 'local');
        if (!l2Begun) this.handlers.distrustL2();
      }
      p?.abandon();
      if (l2Begun) await this.#endL2Write(tags);
      throw err;
    }
    if (result === null || !enabled) return result;
    const committedAt = this.#clock.monotonic();
    this.#invalidate(tags, 'local');
    // After the commit, like every receiver of the flag: a namespace started before it could
    // still be filled with what the write replaced.
    if (l2Begun) await this.#endL2Write(tags);
    else this.handlers.distrustL2();
    await (prepared as PreparedInvalidation | null)?.settle(committedAt);
    return result;
  }

  /** Admin: drops cached values on this instance (L1) and in L2 (all, one key, or a key prefix). */
  async clear(
    scope: { key?: string; prefix?: string } = {},
  ): Promise<{ l1: number; l2: CacheCleared['l2'] }> {
    let l1: number;
    if (scope.key !== undefined) {
      const key = scope.key;
      l1 = this.#l1.delete(key) ? 1 : 0;
      this.#flights.invalidate(key);
    } else if (scope.prefix !== undefined) {
      const prefix = scope.prefix;
      l1 = this.#l1.deletePrefix(prefix);
      this.#flights.invalidateWhere((k) => k.startsWith(prefix));
    } else {
      l1 = this.#l1.clear();
      this.#listGen++;
      this.#flights.invalidateWhere(() => true);
    }
    const l2 = this.#l2;
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
    const m = this.#metrics;
    const p = this.#protocol;
    return {
      enabled: this.#c.enabled,
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
        entries: this.#l1.size,
        bytes: this.#l1.bytes,
        maxEntries: this.#c.l1MaxEntries,
        maxBytes: this.#c.l1MaxBytes,
        hits: m.l1.hit,
        misses: m.l1.miss,
        bypasses: m.l1.bypass,
        evictions: this.#l1.evictions,
      },
      l2: {
        configured: this.#l2 !== null,
        available: this.#l2?.available ?? false,
        connection: this.#l2?.status ?? 'none',
        trusted: this.l2Trusted,
        hits: m.l2.hit,
        misses: m.l2.miss,
        bypasses: m.l2.bypass,
        errors: m.l2.error,
      },
      loads: { ...m.loads },
      coalesced: this.#flights.joins,
      staleServed: m.staleServed,
      lockWaits: { ...m.lockWaits },
      invalidations: { ...m.invalidations },
    };
  }

  #invalidate(tags: readonly string[], origin: 'local' | 'remote'): void {
    for (const tag of tags) {
      if (tag === LIST_TAG) {
        this.#listGen++;
        this.#flights.invalidateWhere(isListKey);
      } else {
        this.#l1.delete(tag);
        this.#flights.invalidate(tag);
      }
    }
    this.#metrics.invalidated(origin, tags.length);
  }

  /** L2 may be read now for this load. */
  #canReadL2(flight: Flight<CacheRead>): boolean {
    const l2 = this.#l2;
    if (l2 === null || !l2.available || flight.dirty) return false;
    if (!this.#protocol.leaseValid() || flight.session !== this.#protocol.session) return false;
    if (this.#trustedSession !== flight.session) {
      this.#retrust();
      return false;
    }
    return true;
  }

  /** Stops background work (the re-validation retry timer). */
  close(): void {
    this.#closed = true;
    if (this.#retrustTimer) this.#clock.clearTimeout(this.#retrustTimer);
    this.#retrustTimer = null;
  }

  /**
   * Starts a fresh L2 namespace; L2 is trusted again if nothing was distrusted meanwhile. Retried
   * every l2RetryMs while untrusted, so an idle instance gets its L2 back too.
   */
  #retrust(): void {
    const l2 = this.#l2;
    const session = this.#protocol.session;
    if (l2 === null || this.#closed || this.#retrusting || session === 0) return;
    if (!l2.available) {
      this.#scheduleRetrust();
      return;
    }
    this.#retrusting = true;
    const distrusts = this.#distrusts;
    l2.bumpEpoch()
      .then(
        () => {
          if (this.#protocol.session === session && this.#distrusts === distrusts) {
            this.#trustedSession = session;
          }
        },
        (err: unknown) =>
          this.#logger.warn({ err: (err as Error).message }, 'cache: L2 re-validation failed'),
      )
      .finally(() => {
        this.#retrusting = false;
        if (!this.l2Trusted) this.#scheduleRetrust();
      });
  }

  #scheduleRetrust(): void {
    if (this.#retrustTimer !== null || this.#closed) return;
    this.#retrustTimer = this.#clock.setTimeout(() => {
      this.#retrustTimer = null;
      if (!this.l2Trusted) this.#retrust();
    }, this.#c.l2RetryMs);
    this.#retrustTimer.unref?.();
  }

  async #fill(flight: Flight<CacheRead>, load: Loader): Promise<CacheRead> {
    const key = flight.key;
    const tag = tagOf(key);
    const listGen = this.#listGen;
    const l2 = this.#l2;
    let seen: Seen | null = null;
    let lockToken = '';
    let stale: CachedValue | null = null;
    if (l2 !== null && this.#canReadL2(flight)) {
      try {
        const token = randomBytes(8).toString('hex');
        let r = await l2.read(key, tag, token, this.#c.lockTtlMs);
        if (r.hit) {
          const v = CachedValue.fromL2Payload(r.payload);
          if (v && this.#clock.now() < v.expiresAtMs) {
            this.#metrics.level('l2', 'hit');
            this.#storeL1(flight, v, listGen);
            return { status: 'HIT-L2', value: v };
          }
          stale = v;
        }
        this.#metrics.level('l2', 'miss');
        if (r.lock === 2) {
          const waited = await this.#waitForPeer(flight, key, tag, token, r);
          if (waited.hit) {
            const v = CachedValue.fromL2Payload(waited.payload) as CachedValue;
            this.#storeL1(flight, v, listGen);
            return { status: 'HIT-L2', value: v };
          }
          r = waited;
        }
        if (r.lock === 1) lockToken = token;
        if (!r.marked) seen = { epoch: r.epoch, gen: r.gen };
      } catch {
        this.#metrics.level('l2', 'error');
      }
    } else if (l2 !== null) {
      this.#metrics.level('l2', 'bypass');
    }
    stale ??= this.#staleFromL1(key);
    return this.#load(flight, load, { seen, lockToken, stale, listGen });
  }

  /** Polls L2 while another instance loads the key, at most lockWaitMs. */
  async #waitForPeer(
    flight: Flight<CacheRead>,
    key: string,
    tag: string,
    token: string,
    first: L2ReadResult,
  ): Promise<L2ReadResult> {
    const l2 = this.#l2 as RedisL2Store;
    const deadline = this.#clock.monotonic() + this.#c.lockWaitMs;
    let last = first;
    let delay = 2;
    for (;;) {
      const left = deadline - this.#clock.monotonic();
      if (left <= 0) break;
      await this.#sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, 25);
      if (!this.#canReadL2(flight)) break;
      last = await l2.read(key, tag, token, this.#c.lockTtlMs);
      if (last.hit) {
        const v = CachedValue.fromL2Payload(last.payload);
        if (v && this.#clock.now() < v.expiresAtMs) {
          this.#metrics.lockWait('l2Hit');
          return last;
        }
        last = { ...last, hit: false };
      }
      if (last.lock !== 2) {
        this.#metrics.lockWait('acquired');
        return last;
      }
    }
    this.#metrics.lockWait('timeout');
    return { ...last, hit: false, lock: 0 };
  }

  async #load(
    flight: Flight<CacheRead>,
    load: Loader,
    ctx: { seen: Seen | null; lockToken: string; stale: CachedValue | null; listGen: number },
  ): Promise<CacheRead> {
    const loading = load().then(
      (json) => {
        this.#metrics.load('ok');
        return json;
      },
      (err: unknown) => {
        this.#metrics.load('error');
        throw err;
      },
    );
    const persisted = loading.then(
      (json) => this.#persist(flight, json, ctx),
      async (err: unknown) => {
        if (ctx.lockToken) await this.#l2?.release(flight.key, ctx.lockToken).catch(() => {});
        throw err;
      },
    );
    if (ctx.stale !== null) {
      // Stale-if-error: a slow or failing PostgreSQL does not hold a request that has a copy.
      const slow = Symbol('slow');
      let timer: ReturnType<Clock['setTimeout']> | undefined;
      const timedOut = new Promise<typeof slow>((resolve) => {
        timer = this.#clock.setTimeout(() => resolve(slow), this.#c.loadTimeoutMs);
      });
      try {
        const outcome = await Promise.race([persisted, timedOut]);
        if (outcome !== slow) return outcome;
        persisted.catch(() => {});
      } catch (err) {
        if (!isUnavailable(err)) throw err;
      } finally {
        if (timer) this.#clock.clearTimeout(timer);
      }
      this.#metrics.stale();
      return { status: 'STALE', value: ctx.stale };
    }
    try {
      return await persisted;
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      const copy = await this.#staleFromL2(flight.key);
      if (copy === null) throw err;
      this.#metrics.stale();
      return { status: 'STALE', value: copy };
    }
  }

  async #persist(
    flight: Flight<CacheRead>,
    json: string | null,
    ctx: { seen: Seen | null; lockToken: string; listGen: number },
  ): Promise<CacheRead> {
    const value = json === null ? null : this.#newValue(json);
    const l2 = this.#l2;
    if (l2 !== null) {
      try {
        if (value !== null && ctx.seen !== null) {
          const px = value.expiresAtMs - this.#clock.now() + this.#c.staleGraceMs;
          await l2.populate(flight.key, tagOf(flight.key), ctx.seen, value.toL2Payload(), px, ctx.lockToken);
        } else if (ctx.lockToken) {
          await l2.release(flight.key, ctx.lockToken);
        }
      } catch {
        this.#metrics.level('l2', 'error');
      }
    }
    if (value !== null) this.#storeL1(flight, value, ctx.listGen);
    return { status: 'MISS', value };
  }

  #newValue(json: string): CachedValue {
    const jitter = 1 + this.#c.ttlJitter * (2 * this.#random() - 1);
    return new CachedValue(Buffer.from(json, 'utf8'), this.#clock.now() + this.#c.l2TtlMs * jitter);
  }

  #storeL1(flight: Flight<CacheRead>, value: CachedValue, listGen: number): void {
    // A load that saw an invalidation, or crossed a session change, may hold a value older than a
    // write this instance already acknowledged.
    if (flight.dirty || flight.session !== this.#protocol.session) return;
    const list = isListKey(flight.key);
    if (list && listGen !== this.#listGen) return;
    const freshFor = Math.min(this.#c.l1TtlMs, value.expiresAtMs - this.#clock.now());
    if (freshFor <= 0) return;
    const now = this.#clock.monotonic();
    this.#l1.set(flight.key, {
      value,
      session: flight.session,
      listGen: list ? listGen : -1,
      freshUntil: now + freshFor,
      staleUntil: now + freshFor + this.#c.staleGraceMs,
    });
  }

  /** An L1 copy within its stale grace, from any session (it is only ever served as STALE). */
  #staleFromL1(key: string): CachedValue | null {
    const e = this.#l1.get(key);
    return e !== undefined && this.#clock.monotonic() < e.staleUntil ? e.value : null;
  }

  /** An L2 copy within its stale grace, read whatever the lease (served only as STALE). */
  async #staleFromL2(key: string): Promise<CachedValue | null> {
    const l2 = this.#l2;
    if (l2 === null || !l2.available) return null;
    try {
      const r = await l2.read(key, tagOf(key));
      const v = r.hit ? CachedValue.fromL2Payload(r.payload) : null;
      return v !== null && this.#clock.now() <= v.expiresAtMs + this.#c.staleGraceMs ? v : null;
    } catch {
      return null;
    }
  }

  async #beginL2Write(tags: readonly string[]): Promise<boolean> {
    const l2 = this.#l2;
    if (l2 === null || !l2.available) return false;
    try {
      await l2.beginWrite(
        tags,
        tags.filter((t) => t !== LIST_TAG),
      );
      return true;
    } catch {
      return false;
    }
  }

  async #endL2Write(tags: readonly string[]): Promise<void> {
    // Best effort: if this fails, the marks expire and nothing stale can be stored meanwhile.
    await this.#l2?.endWrite(tags).catch(() => {});
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.#clock.setTimeout(resolve, ms);
      t.unref?.();
    });
  }
}

/** PostgreSQL unreachable or too slow: the failures stale-if-error covers. */
function isUnavailable(err: unknown): boolean {
  return toPublicError(err)?.code === 'DEPENDENCY_UNAVAILABLE';
}

export type { WriteWaitOutcome };
