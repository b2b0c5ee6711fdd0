import { randomBytes } from 'node:crypto';
import type { ApiServerConfig, Clock } from '@floodgate/shared';
import { toPublicError } from '../http/public-error.js';
import { isListKey, tagOf } from './cache-keys.js';
import type { CacheMetrics } from './cache-metrics.js';
import { CachedValue } from './cached-value.js';
import type { CoherenceProtocol } from './coherence-protocol.js';
import type { L1Cache } from './l1-cache.js';
import type { L2Trust } from './l2-trust.js';
import type { LocalInvalidation } from './local-invalidation.js';
import type { L2ReadResult, RedisL2Store } from './redis-l2-store.js';
import type { Flight, SingleFlight } from './single-flight.js';

/** The `X-Cache` answer: where the body came from. */
export type CacheStatus = 'HIT-L1' | 'HIT-L2' | 'MISS' | 'STALE';

export interface CacheRead {
  status: CacheStatus;
  /** null: the loader found nothing (not cached). */
  value: CachedValue | null;
}

/** Loads the JSON body from PostgreSQL; null when there is nothing. */
export type Loader = () => Promise<string | null>;

export interface CacheReadPathOptions {
  config: ApiServerConfig['cache'];
  clock: Clock;
  l1: L1Cache;
  l2: RedisL2Store | null;
  protocol: CoherenceProtocol;
  metrics: CacheMetrics;
  flights: SingleFlight<CacheRead>;
  local: LocalInvalidation;
  trust: L2Trust;
  random: () => number;
}

interface Seen {
  epoch: string;
  gen: string;
}

interface LoadContext {
  seen: Seen | null;
  lockToken: string;
  stale: CachedValue | null;
  listGen: number;
}

/**
 * Cache-aside reads: L1 → L2 (with the cluster load lock) → PostgreSQL, single flight per key and
 * stale-if-error. L1 is served and loads are shared only while the coherence lease is valid and
 * within the bus session they were made in; L2 only while it is trusted (L2Trust); nothing loaded
 * while a write to its tag was in progress is stored.
 */
export class CacheReadPath {
  readonly #c: ApiServerConfig['cache'];
  readonly #clock: Clock;
  readonly #l1: L1Cache;
  readonly #l2: RedisL2Store | null;
  readonly #protocol: CoherenceProtocol;
  readonly #metrics: CacheMetrics;
  readonly #flights: SingleFlight<CacheRead>;
  readonly #local: LocalInvalidation;
  readonly #trust: L2Trust;
  readonly #random: () => number;

  constructor(options: CacheReadPathOptions) {
    this.#c = options.config;
    this.#clock = options.clock;
    this.#l1 = options.l1;
    this.#l2 = options.l2;
    this.#protocol = options.protocol;
    this.#metrics = options.metrics;
    this.#flights = options.flights;
    this.#local = options.local;
    this.#trust = options.trust;
    this.#random = options.random;
  }

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
        (e.listGen === -1 || e.listGen === this.#local.listGen)
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

  /** L2 may be read now for this load. */
  #canReadL2(flight: Flight<CacheRead>): boolean {
    const l2 = this.#l2;
    if (l2 === null || !l2.available || flight.dirty) return false;
    if (!this.#protocol.leaseValid() || flight.session !== this.#protocol.session) return false;
    return this.#trust.trustedFor(flight.session);
  }

  async #fill(flight: Flight<CacheRead>, load: Loader): Promise<CacheRead> {
    const key = flight.key;
    const tag = tagOf(key);
    const listGen = this.#local.listGen;
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

  async #load(flight: Flight<CacheRead>, load: Loader, ctx: LoadContext): Promise<CacheRead> {
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

  async #persist(flight: Flight<CacheRead>, json: string | null, ctx: LoadContext): Promise<CacheRead> {
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
    if (list && listGen !== this.#local.listGen) return;
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
