import { type Clock, systemClock } from '@floodgate/shared';
import { LRUCache } from 'lru-cache';
import type { RateLimitPolicy } from './rate-limit-policy.js';

/** One subject's usage as of its latest decision. */
export interface UsageEntry {
  subject: string;
  policy: string;
  limit: number;
  used: number;
  remaining: number;
  /** Milliseconds since that decision. */
  ageMs: number;
}

class Usage {
  policy: RateLimitPolicy;
  remaining: number;
  atMs: number;
  constructor(policy: RateLimitPolicy, remaining: number, atMs: number) {
    this.policy = policy;
    this.remaining = remaining;
    this.atMs = atMs;
  }
}

/**
 * Remembers the latest remaining quota of the most recently limited subjects (bounded LRU), so the
 * admin API can show who is using most of their limit. Values come from the shared store, so they
 * are cluster-wide for the subjects this gateway saw.
 */
export class UsageTracker {
  readonly #entries: LRUCache<string, Usage>;
  readonly #clock: Clock;

  constructor(options: { maxSubjects?: number; clock?: Clock } = {}) {
    this.#entries = new LRUCache({ max: options.maxSubjects ?? 5000 });
    this.#clock = options.clock ?? systemClock;
  }

  record(subject: string, policy: RateLimitPolicy, remaining: number): void {
    const now = this.#clock.monotonic();
    const entry = this.#entries.get(subject);
    if (entry === undefined) this.#entries.set(subject, new Usage(policy, remaining, now));
    else {
      entry.policy = policy;
      entry.remaining = remaining;
      entry.atMs = now;
    }
  }

  /** The `limit` subjects with the highest share of their quota used within their window. */
  top(limit = 20): UsageEntry[] {
    const now = this.#clock.monotonic();
    const out: UsageEntry[] = [];
    for (const [subject, u] of this.#entries.entries()) {
      const ageMs = now - u.atMs;
      if (ageMs > u.policy.windowMs) continue;
      out.push({
        subject,
        policy: u.policy.name,
        limit: u.policy.max,
        used: u.policy.max - u.remaining,
        remaining: u.remaining,
        ageMs: Math.round(ageMs),
      });
    }
    out.sort((a, b) => b.used / b.limit - a.used / a.limit || b.used - a.used);
    return out.slice(0, limit);
  }
}
