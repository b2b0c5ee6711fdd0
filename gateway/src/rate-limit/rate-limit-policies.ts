import type { RouteLimit, RouteLimitKey, TierLimit, TierName } from '@floodgate/shared';
import { TIERS } from '@floodgate/shared';
import { createRateLimitPolicy, type RateLimitPolicy } from './rate-limit-policy.js';

/** A route policy: a limit on one method + exact path, counted per client IP, IP + email, or identity. */
export interface RoutePolicy {
  readonly method: string;
  readonly path: string;
  readonly key: RouteLimitKey;
  readonly policy: RateLimitPolicy;
}

export interface RateLimitPolicies {
  readonly tiers: Readonly<Record<TierName, RateLimitPolicy>>;
  readonly routes: readonly RoutePolicy[];
}

/**
 * Resolves the configured tier table and route policies once at startup. A route policy is named
 * after the last segment of its path (`login` for /api/v1/auth/login), made unique if needed: the
 * name appears in RateLimit-Policy and as the metric's tier label.
 */
export function createRateLimitPolicies(config: {
  tierLimits: Readonly<Record<TierName, TierLimit>>;
  routeLimits: readonly RouteLimit[];
  limiter: { buckets: number };
}): RateLimitPolicies {
  const buckets = config.limiter.buckets;
  const tiers = {} as Record<TierName, RateLimitPolicy>;
  for (const tier of TIERS) {
    const t = config.tierLimits[tier];
    tiers[tier] = createRateLimitPolicy(tier, t.max, t.windowMs, { buckets, failMode: t.failMode });
  }
  const used = new Set<string>(TIERS);
  const routes = config.routeLimits.map((r) => {
    const base =
      (r.path.split('/').filter(Boolean).pop() ?? 'route').replace(/[^A-Za-z0-9._-]/g, '_') || 'route';
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return Object.freeze({
      method: r.method,
      path: r.path,
      key: r.key,
      // Route policies guard against abuse (login brute force): while Redis is away they hold locally.
      policy: createRateLimitPolicy(name, r.max, r.windowMs, { buckets, failMode: 'local' }),
    });
  });
  return Object.freeze({ tiers: Object.freeze(tiers), routes: Object.freeze(routes) });
}
