import { type Clock, type ClockTimer, type Logger, systemClock } from '@floodgate/shared';
import { Lease } from './lease.js';
import type { MemoryRateLimitStore } from './memory-store.js';
import type { RateLimitMetrics } from './rate-limit-metrics.js';
import { type RateLimitPolicy, withMax } from './rate-limit-policy.js';
import { decision, type RateLimitDecision, type RateLimitStore } from './rate-limit-store.js';

export interface LimiterOptions {
  /** The shared store (Redis); null when no Redis is configured: `local` then decides at full limits. */
  remote: RateLimitStore | null;
  /** The in-process store: the only one without Redis, the fallback while Redis fails. */
  local: MemoryRateLimitStore;
  /**
   * Take leases from the shared store (up to `policy.leaseCap` units per call, used before their
   * bucket ends) and remember refusals until the quota can change. Off: one store call per request.
   * @default true
   */
  leases?: boolean;
  /** Distinct keys with a lease or a standing refusal (oldest dropped first). @default 50_000 */
  maxLeases?: number;
  /** Answers when Redis is reachable again (e.g. PING on the limiter connection). */
  probe?: () => Promise<unknown>;
  /** @default 500 */
  probeIntervalMs?: number;
  /** Gateways sharing the limits (from their Redis heartbeats); degraded limits are max ÷ this. */
  liveGateways?: () => number;
  clock?: Clock;
  logger?: Logger;
  metrics?: RateLimitMetrics;
}

/** Leases end this long before their bucket does, by our clock (scheduling slack). */
const LEASE_SAFETY_MS = 2;

/**
 * Decides rate limits: in Redis while it answers, otherwise in process without waiting for it.
 *
 * Shared mode: a request for a key with a valid lease is admitted locally (synchronously); otherwise
 * one store call renews the lease (concurrent requests for the key share it), asking for about what
 * the key used in its last bucket, at most `policy.leaseCap` (max ÷ buckets). Granted units are
 * counted in the store at once and admitted only before their bucket ends, so the sliding-window
 * bound holds exactly; unused units are refunded with the next renewal. A refusal stands until the
 * earlier of its bucket's end and its Retry-After. Small limits (cap < 2) lease one unit: one
 * store call per admitted request, exactly as without leases.
 *
 * Degraded mode: a Redis fault (bounded by the connection's short command timeout) switches the
 * limiter over at once; later decisions never touch Redis, a background probe checks it every
 * `probeIntervalMs`, and the first answer switches back. Each policy's fail mode applies: `local`
 * admits max ÷ live gateways per gateway, starting from this gateway's part of the usage Redis
 * last reported, and what it admits is replayed into Redis on healing; `open` admits everything,
 * `closed` refuses everything (429, never a 5xx). Degraded decisions carry `degraded: true`.
 */
export class Limiter {
  readonly #remote: RateLimitStore | null;
  readonly #local: MemoryRateLimitStore;
  readonly #leasing: boolean;
  readonly #maxLeases: number;
  readonly #leases = new Map<string, Lease>();
  readonly #probe: (() => Promise<unknown>) | undefined;
  readonly #probeIntervalMs: number;
  readonly #liveGateways: () => number;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #metrics: RateLimitMetrics | undefined;
  /** Degraded-mode policies by `name:max:window:share`. */
  readonly #shares = new Map<string, RateLimitPolicy>();
  /** Keys decided locally in this degraded episode, with what was admitted (replayed into Redis on heal). */
  readonly #episode = new Map<string, { policy: RateLimitPolicy; admitted: number }>();
  #degraded = false;
  #probeTimer: ClockTimer | null = null;
  #closed = false;

  constructor(options: LimiterOptions) {
    this.#remote = options.remote;
    this.#local = options.local;
    this.#leasing = options.leases ?? true;
    this.#maxLeases = options.maxLeases ?? 50_000;
    this.#probe = options.probe;
    this.#probeIntervalMs = options.probeIntervalMs ?? 500;
    this.#liveGateways = options.liveGateways ?? (() => 1);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
  }

  /** True while decisions are made without Redis. */
  get degraded(): boolean {
    return this.#degraded;
  }

  /** `shared` (Redis), `degraded` (Redis failing) or `local` (no Redis configured). */
  get mode(): 'shared' | 'degraded' | 'local' {
    return this.#remote === null ? 'local' : this.#degraded ? 'degraded' : 'shared';
  }

  /** One decision for `key` under `policy`; never rejects. Synchronous unless the store is asked. */
  consume(key: string, policy: RateLimitPolicy): RateLimitDecision | Promise<RateLimitDecision> {
    const remote = this.#remote;
    if (remote === null) {
      const started = performance.now();
      const d = this.#local.consume(key, policy);
      this.#record(policy, d.allowed, 'local', started);
      return d;
    }
    if (this.#degraded) return this.#fallback(key, policy);
    if (!this.#leasing) return this.#consumeRemote(remote, key, policy);
    const lease = this.#leases.get(key);
    if (lease !== undefined && lease.pending === null) {
      const now = this.#clock.monotonic();
      if (lease.used < lease.granted && now < lease.validUntil) {
        lease.used++;
        this.#metrics?.decided(policy.name, true);
        return decision(
          true,
          policy.max,
          lease.remaining + lease.granted - lease.used,
          Math.max(0, lease.resetAt - now),
          0,
          false,
        );
      }
      if (now < lease.refusedUntil) {
        this.#metrics?.decided(policy.name, false);
        return decision(false, policy.max, 0, lease.retryAt - now, lease.retryAt - now, false);
      }
    }
    return this.#renew(remote, key, policy, lease);
  }

  async #consumeRemote(
    remote: RateLimitStore,
    key: string,
    policy: RateLimitPolicy,
  ): Promise<RateLimitDecision> {
    const started = performance.now();
    let d: RateLimitDecision;
    try {
      d = await remote.consume(key, policy);
    } catch (err) {
      this.#fail(err);
      return this.#fallback(key, policy);
    }
    this.#record(policy, d.allowed, 'redis', started);
    return d;
  }

  async #renew(
    remote: RateLimitStore,
    key: string,
    policy: RateLimitPolicy,
    existing: Lease | undefined,
  ): Promise<RateLimitDecision> {
    let lease = existing;
    if (lease === undefined) {
      lease = new Lease();
      if (this.#leases.size >= this.#maxLeases) {
        // Oldest first; a dropped lease's unused units stay counted (conservative).
        const oldest = this.#leases.keys().next().value;
        if (oldest !== undefined) this.#leases.delete(oldest);
      }
      this.#leases.set(key, lease);
    }
    // Share a renewal already in flight, then try again (it may have left units or a refusal).
    if (lease.pending !== null) {
      await lease.pending;
      const again = this.consume(key, policy);
      return again;
    }
    const now = this.#clock.monotonic();
    const unused = lease.granted - lease.used;
    const cap = Math.max(1, policy.leaseCap);
    // Size the lease to the key's pace on this gateway: double it when it ran out, else ask for
    // what the last lease used.
    const want =
      lease.granted === 0
        ? Math.min(cap, lease.want)
        : unused === 0
          ? Math.min(cap, lease.granted * 2)
          : Math.min(cap, Math.max(1, lease.used));
    const request = { want, refundBucket: lease.bucket, refundCount: Math.max(0, unused) };
    lease.granted = lease.used; // nothing left to admit locally while the renewal runs
    let release!: () => void;
    lease.pending = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started = performance.now();
    try {
      let g: Awaited<ReturnType<RateLimitStore['lease']>>;
      try {
        g = await remote.lease(key, policy, request);
      } catch (err) {
        lease.granted = 0;
        lease.used = 0;
        this.#fail(err);
        return this.#fallback(key, policy);
      }
      const granted = g.granted >= 1;
      this.#record(policy, granted, 'redis', started);
      lease.informed = true;
      lease.want = want;
      lease.bucket = g.bucket;
      if (!granted) {
        lease.granted = 0;
        lease.used = 0;
        // Capacity returns only when a bucket leaves the window (or another gateway refunds).
        lease.retryAt = now + g.retryAfterMs;
        lease.refusedUntil = now + Math.min(g.retryAfterMs, g.bucketRemainingMs);
        return decision(false, policy.max, 0, g.retryAfterMs, g.retryAfterMs, false);
      }
      lease.granted = g.granted;
      lease.used = 1;
      lease.remaining = g.remaining;
      lease.resetAt = now + g.resetMs;
      lease.validUntil = now + g.bucketRemainingMs - LEASE_SAFETY_MS;
      lease.refusedUntil = 0;
      return decision(true, policy.max, g.remaining + g.granted - 1, g.resetMs, 0, false);
    } finally {
      lease.pending = null;
      release();
    }
  }

  #fallback(key: string, policy: RateLimitPolicy): RateLimitDecision {
    const started = performance.now();
    let d: RateLimitDecision;
    if (policy.failMode === 'open') {
      d = decision(true, policy.max, policy.max, 0, 0, true);
    } else if (policy.failMode === 'closed') {
      d = decision(false, policy.max, 0, this.#probeIntervalMs, this.#probeIntervalMs, true);
    } else {
      const share = this.#share(policy);
      let seen: { policy: RateLimitPolicy; admitted: number } | null | undefined = this.#episode.get(key);
      if (seen === undefined) seen = this.#startLocal(key, policy, share);
      const local = this.#local.consume(key, share);
      if (local.allowed && seen !== null) seen.admitted++;
      d = decision(local.allowed, share.max, local.remaining, local.resetMs, local.retryAfterMs, true);
    }
    this.#record(policy, d.allowed, 'local', started);
    return d;
  }

  /**
   * First local decision for `key` in this degraded episode: the local window starts with this
   * gateway's part of what Redis last said was used, so the gateways together stay near the limit
   * instead of granting a fresh one on top of it. Returns the episode entry (null: not tracked).
   */
  #startLocal(
    key: string,
    policy: RateLimitPolicy,
    share: RateLimitPolicy,
  ): { policy: RateLimitPolicy; admitted: number } | null {
    const lease = this.#leases.get(key);
    if (lease !== undefined) this.#leases.delete(key);
    if (lease?.informed) {
      const now = this.#clock.monotonic();
      const known = now < lease.refusedUntil ? 0 : lease.remaining + Math.max(0, lease.granted - lease.used);
      const used = Math.max(0, policy.max - known);
      const seed = Math.ceil((used * share.max) / policy.max);
      if (seed > 0) this.#local.lease(key, share, { want: seed, refundBucket: 0, refundCount: 0 });
    }
    if (this.#episode.size >= this.#maxLeases) return null;
    const entry = { policy, admitted: 0 };
    this.#episode.set(key, entry);
    return entry;
  }

  /** After healing: counts in Redis what was admitted locally meanwhile (capped at each limit). */
  async #replay(remote: RateLimitStore): Promise<void> {
    const entries = [...this.#episode];
    this.#episode.clear();
    for (const [key, { policy, admitted }] of entries) {
      if (admitted === 0) continue;
      try {
        await remote.lease(key, policy, { want: admitted, refundBucket: 0, refundCount: 0 });
      } catch {
        return; // Redis failed again: the next episode starts from here.
      }
    }
  }

  /** This gateway's part of `policy` while Redis is away: max ÷ live gateways, at least 1. */
  #share(policy: RateLimitPolicy): RateLimitPolicy {
    const gateways = Math.max(1, this.#liveGateways());
    if (gateways === 1) return policy;
    const max = Math.max(1, Math.floor(policy.max / gateways));
    const id = `${policy.name}:${policy.max}:${policy.windowMs}:${max}`;
    let share = this.#shares.get(id);
    if (share === undefined) {
      share = withMax(policy, max);
      if (this.#shares.size > 1000) this.#shares.clear();
      this.#shares.set(id, share);
    }
    return share;
  }

  #record(policy: RateLimitPolicy, allowed: boolean, store: 'redis' | 'local', started: number): void {
    const m = this.#metrics;
    if (m === undefined) return;
    m.decided(policy.name, allowed);
    m.latency(store, (performance.now() - started) / 1000);
  }

  #fail(err: unknown): void {
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    this.#metrics?.degraded(true);
    this.#logger?.warn(
      { err: err instanceof Error ? err.message : String(err), liveGateways: this.#liveGateways() },
      'rate limiter: Redis not answering, deciding in process (limit / live gateways) until it is back',
    );
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    if (this.#closed || this.#probe === undefined) return;
    const timer = this.#clock.setTimeout(() => {
      this.#probeTimer = null;
      void this.#runProbe();
    }, this.#probeIntervalMs);
    timer.unref?.();
    this.#probeTimer = timer;
  }

  async #runProbe(): Promise<void> {
    try {
      await this.#probe?.();
    } catch {
      this.#scheduleProbe();
      return;
    }
    if (this.#closed) return;
    this.#degraded = false;
    this.#leases.clear();
    this.#metrics?.degraded(false);
    this.#logger?.info('rate limiter: Redis answering again, shared limits restored');
    if (this.#remote !== null) void this.#replay(this.#remote);
  }

  /** Stops the background probe. */
  close(): void {
    this.#closed = true;
    if (this.#probeTimer !== null) this.#clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
  }
}
