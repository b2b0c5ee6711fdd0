import { sendJson, TIERS } from '@floodgate/shared';
import type { RateLimitOverviewAnswer } from '@floodgate/shared/admin-api';
import type { RequestContext } from '../pipeline/request-context.js';
import type { Limiter } from '../rate-limit/limiter.js';
import type { RateLimitPolicies } from '../rate-limit/rate-limit-policies.js';
import type { UsageTracker } from '../rate-limit/usage-tracker.js';
import type { AdminRoute } from './admin-stage.js';

export interface RateLimitAdminDeps {
  enabled: boolean;
  policies: RateLimitPolicies;
  limiter: Pick<Limiter, 'mode'> | null;
  liveGateways: () => number;
  usage: UsageTracker | null;
}

/** How many subjects `GET /api/v1/admin/rate-limits` lists. */
const TOP_CONSUMERS = 20;

/**
 * `GET /api/v1/admin/rate-limits` → `{data: RateLimitOverview}`: the tier table and route policies, where decisions are made
 * (shared Redis, degraded, or local), the live gateway count, and the subjects using the largest
 * share of their quota (bounded; as seen by this gateway, with counts from the shared store).
 */
export function createRateLimitAdminRoutes(deps: RateLimitAdminDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/admin/rate-limits',
      handler(ctx: RequestContext) {
        const { policies } = deps;
        const body: RateLimitOverviewAnswer = {
          data: {
            enabled: deps.enabled,
            mode: deps.limiter?.mode ?? 'off',
            liveGateways: deps.liveGateways(),
            tiers: TIERS.map((tier) => {
              const p = policies.tiers[tier];
              return { tier, limit: p.max, windowMs: p.windowMs, buckets: p.buckets, failMode: p.failMode };
            }),
            routes: policies.routes.map((r) => ({
              policy: r.policy.name,
              method: r.method,
              path: r.path,
              key: r.key,
              limit: r.policy.max,
              windowMs: r.policy.windowMs,
            })),
            topConsumers: deps.usage?.top(TOP_CONSUMERS) ?? [],
          },
        };
        sendJson(ctx.res, 200, body);
      },
    },
  ];
}
