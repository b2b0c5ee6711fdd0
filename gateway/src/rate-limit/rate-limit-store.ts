import type { RateLimitPolicy } from './rate-limit-policy.js';

interface DecisionFields {
  readonly limit: number;
  readonly remaining: number;
  /** Milliseconds until some used quota returns (the oldest counted sub-window leaves the window). */
  readonly resetMs: number;
  /** Decided without Redis: the in-process fallback, or a fail-open/fail-closed answer. */
  readonly degraded: boolean;
}

/** The request may proceed; it has used one unit of quota. */
export interface RateLimitAllowed extends DecisionFields {
  readonly allowed: true;
  readonly retryAfterMs: 0;
}

/** The request must be refused; it used no quota. */
export interface RateLimitRejected extends DecisionFields {
  readonly allowed: false;
  /** Milliseconds until the same request would be admitted (assuming no other traffic). */
  readonly retryAfterMs: number;
}

/** A limiter's answer: a value, never an exception. */
export type RateLimitDecision = RateLimitAllowed | RateLimitRejected;

/** Ask for up to `want` units at once, first giving back `refundCount` unused units of `refundBucket`. */
export interface LeaseRequest {
  want: number;
  refundBucket: number;
  refundCount: number;
}

/** What a lease request got; `granted` 0 is a refusal. */
export interface LeaseGrant {
  granted: number;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
  /** Index of the bucket the units were counted in (to refund unused ones later). */
  bucket: number;
  /** Milliseconds until that bucket ends: the granted units must be used before then. */
  bucketRemainingMs: number;
}

/**
 * Where sliding-window counters live. `consume` atomically checks `key` against `policy` and, only
 * when admitted, counts the request; `lease` grants (and counts) up to `want` units at once.
 * Implementations must satisfy rate-limit-store.contract.ts: in any window of `policy.windowMs`,
 * at most `policy.max` units are granted. A store fault (Redis unreachable) rejects the promise;
 * the Limiter turns it into a fallback.
 */
export interface RateLimitStore {
  consume(key: string, policy: RateLimitPolicy): RateLimitDecision | Promise<RateLimitDecision>;
  lease(key: string, policy: RateLimitPolicy, request: LeaseRequest): LeaseGrant | Promise<LeaseGrant>;
}

/** A single request: no lease, nothing to refund. */
export const SINGLE: LeaseRequest = Object.freeze({ want: 1, refundBucket: 0, refundCount: 0 });

/** Builds a decision object; every decision has the same shape (one hidden class). */
export function decision(
  allowed: boolean,
  limit: number,
  remaining: number,
  resetMs: number,
  retryAfterMs: number,
  degraded: boolean,
): RateLimitDecision {
  return { allowed, limit, remaining, resetMs, retryAfterMs, degraded } as RateLimitDecision;
}
