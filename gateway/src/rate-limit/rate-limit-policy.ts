import type { FailMode } from '@floodgate/shared';

/**
 * One sliding-window limit, resolved once at startup: `max` requests in any `windowMs`, counted in
 * `buckets` sub-windows of `bucketMs`. Everything a decision or a response header needs is
 * precomputed here so the hot path only formats the numbers that change.
 */
export interface RateLimitPolicy {
  /** Tier or route-policy name: the metric label and the IETF `RateLimit` policy name. */
  readonly name: string;
  readonly max: number;
  readonly windowMs: number;
  readonly buckets: number;
  /** Sub-window width, ceil(windowMs / buckets): the script's and the memory store's time unit. */
  readonly bucketMs: number;
  readonly failMode: FailMode;
  /**
   * Most units one gateway may lease at once: one bucket's average share, max ÷ buckets (0 or 1:
   * no leasing, every request is decided by the store).
   */
  readonly leaseCap: number;
  /** Store arguments as strings (no number formatting per decision). */
  readonly args: { readonly windowMs: string; readonly buckets: string; readonly max: string };
  /** `"name";q=max;w=seconds` (RateLimit-Policy). */
  readonly policyHeader: string;
  /** `"name";r=` prefix of the RateLimit header. */
  readonly ratePrefix: string;
  readonly maxHeader: string;
}

/** Builds a policy; throws on values no configuration should produce. */
export function createRateLimitPolicy(
  name: string,
  max: number,
  windowMs: number,
  options: { buckets: number; failMode?: FailMode },
): RateLimitPolicy {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new Error(`rate-limit policy name not allowed: ${name}`);
  if (!Number.isSafeInteger(max) || max < 1)
    throw new Error(`policy ${name}: max must be a positive integer`);
  if (!Number.isSafeInteger(windowMs) || windowMs < 1) throw new Error(`policy ${name}: bad window`);
  const buckets = Math.min(options.buckets, windowMs);
  const bucketMs = Math.ceil(windowMs / buckets);
  return Object.freeze({
    name,
    max,
    windowMs,
    buckets,
    bucketMs,
    failMode: options.failMode ?? 'local',
    leaseCap: Math.floor(max / buckets),
    args: Object.freeze({ windowMs: String(windowMs), buckets: String(buckets), max: String(max) }),
    policyHeader: `"${name}";q=${max};w=${Math.ceil(windowMs / 1000)}`,
    ratePrefix: `"${name}";r=`,
    maxHeader: String(max),
  });
}

/** The same policy with a smaller `max` (the degraded-mode share of one gateway). */
export function withMax(policy: RateLimitPolicy, max: number): RateLimitPolicy {
  return createRateLimitPolicy(policy.name, max, policy.windowMs, {
    buckets: policy.buckets,
    failMode: policy.failMode,
  });
}
