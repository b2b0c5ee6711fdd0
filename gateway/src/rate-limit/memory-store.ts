import { type Clock, systemClock } from '@floodgate/shared';
import { LRUCache } from 'lru-cache';
import type { RateLimitPolicy } from './rate-limit-policy.js';
import {
  decision,
  type LeaseGrant,
  type LeaseRequest,
  type RateLimitDecision,
  type RateLimitStore,
  SINGLE,
} from './rate-limit-store.js';

/** One key's counters: a ring of buckets + 1 sub-window counts, as in the Redis script. */
class Window {
  readonly counts: Uint32Array;
  sum = 0;
  /** Oldest bucket index that may hold a count. */
  first = 0;
  /** Newest bucket index written; -1 when empty. */
  newest = -1;

  constructor(size: number) {
    this.counts = new Uint32Array(size);
  }
}

export interface MemoryStoreOptions {
  clock?: Clock;
  /** Keys tracked at once (LRU); an evicted key starts again from zero. @default 100_000 */
  maxKeys?: number;
}

/**
 * The same bucketed sliding window as the Redis script, in process: used when no Redis is
 * configured and as the degraded-mode fallback. Synchronous; memory is O(buckets) per key and
 * bounded by `maxKeys`.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #clock: Clock;
  readonly #windows: LRUCache<string, Window>;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#windows = new LRUCache({ max: options.maxKeys ?? 100_000 });
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.#windows.size;
  }

  consume(key: string, policy: RateLimitPolicy): RateLimitDecision {
    const g = this.lease(key, policy, SINGLE);
    return decision(g.granted >= 1, policy.max, g.remaining, g.resetMs, g.retryAfterMs, false);
  }

  lease(key: string, policy: RateLimitPolicy, request: LeaseRequest): LeaseGrant {
    const now = this.#clock.now();
    const width = policy.bucketMs;
    const buckets = policy.buckets;
    const size = buckets + 1;
    const current = Math.floor(now / width);
    const oldest = current - buckets;
    let w = this.#windows.get(key);
    if (w === undefined || w.counts.length !== size) {
      w = new Window(size);
      this.#windows.set(key, w);
    }
    const counts = w.counts;
    if (w.newest < oldest) {
      if (w.newest !== -1) counts.fill(0);
      w.sum = 0;
      w.newest = -1;
      w.first = current;
    } else {
      while (w.first < oldest) {
        const i = w.first % size;
        w.sum -= counts[i] as number;
        counts[i] = 0;
        w.first++;
      }
      const rb = request.refundBucket;
      if (request.refundCount > 0 && rb >= w.first && rb <= w.newest) {
        const i = rb % size;
        const r = Math.min(counts[i] as number, request.refundCount);
        counts[i] = (counts[i] as number) - r;
        w.sum -= r;
      }
      while (w.first < w.newest && counts[w.first % size] === 0) w.first++;
    }
    const max = policy.max;
    let granted = Math.min(request.want, max - w.sum);
    let retryAfterMs = 0;
    if (granted >= 1) {
      counts[current % size] = (counts[current % size] as number) + granted;
      w.sum += granted;
      if (w.newest === -1) w.first = current;
      w.newest = current;
    } else {
      granted = 0;
      const need = w.sum + 1 - max;
      let freed = 0;
      let j = w.first;
      while (j <= current) {
        freed += counts[j % size] as number;
        if (freed >= need) break;
        j++;
      }
      retryAfterMs = (j + buckets + 1) * width - now;
    }
    return {
      granted,
      remaining: Math.max(0, max - w.sum),
      resetMs: w.sum > 0 ? (w.first + buckets + 1) * width - now : 0,
      retryAfterMs,
      bucket: current,
      bucketRemainingMs: (current + 1) * width - now,
    };
  }
}
