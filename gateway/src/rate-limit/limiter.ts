import { type Clock, type ClockTimer, type Logger, systemClock } from '@floodgate/shared';
import type { MemoryRateLimitStore } from './memory-store.js';
import type { RateLimitMetrics } from './rate-limit-metrics.js';
import { type RateLimitPolicy, withMax } from './rate-limit-policy.js';
import { decision, type RateLimitDecision, type RateLimitStore } from './rate-limit-store.js';

export interface LimiterOptions {
  /** The shared store (Redis); null when no Redis is configured: `local` then decides at full limits. */
  remote: RateLimitStore | null;
  /** The in-process store: the only one without Redis, the fallback while Redis fails. */
  local: MemoryRateLimitStore;
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

/**
 * Decides rate limits: in Redis while it answers, otherwise in process without waiting for it.
 * A Redis fault (bounded by the connection's short command timeout) switches the limiter to
 * degraded mode at once: later decisions never touch Redis, a background probe checks it every
 * `probeIntervalMs`, and the first answer switches back. While degraded, each policy's fail mode
 * applies: `local` admits max ÷ live gateways per gateway, `open` admits everything, `closed` refuses
 * everything (429, never a 5xx). Degraded decisions carry `degraded: true`.
 */
export class Limiter {
  readonly #remote: RateLimitStore | null;
  readonly #local: MemoryRateLimitStore;
  readonly #probe: (() => Promise<unknown>) | undefined;
  readonly #probeIntervalMs: number;
  readonly #liveGateways: () => number;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #metrics: RateLimitMetrics | undefined;
  /** Degraded-mode policies by `name:max:gateways`. */
  readonly #shares = new Map<string, RateLimitPolicy>();
  #degraded = false;
  #probeTimer: ClockTimer | null = null;
  #closed = false;

  constructor(options: LimiterOptions) {
    this.#remote = options.remote;
    this.#local = options.local;
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

  /** One decision for `key` under `policy`; never rejects. Synchronous unless Redis is asked. */
  consume(key: string, policy: RateLimitPolicy): RateLimitDecision | Promise<RateLimitDecision> {
    if (this.#remote === null) {
      const started = performance.now();
      const d = this.#local.consume(key, policy);
      this.#record(policy, d, 'local', started);
      return d;
    }
    if (this.#degraded) return this.#fallback(key, policy);
    return this.#consumeRemote(this.#remote, key, policy);
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
    this.#record(policy, d, 'redis', started);
    return d;
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
      const local = this.#local.consume(key, share);
      d = decision(local.allowed, share.max, local.remaining, local.resetMs, local.retryAfterMs, true);
    }
    this.#record(policy, d, 'local', started);
    return d;
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

  #record(policy: RateLimitPolicy, d: RateLimitDecision, store: 'redis' | 'local', started: number): void {
    const m = this.#metrics;
    if (m === undefined) return;
    m.decided(policy.name, d.allowed);
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
    this.#metrics?.degraded(false);
    this.#logger?.info('rate limiter: Redis answering again, shared limits restored');
  }

  /** Stops the background probe. */
  close(): void {
    this.#closed = true;
    if (this.#probeTimer !== null) this.#clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
  }
}
