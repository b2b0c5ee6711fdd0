import { z } from 'zod';
import { Tier } from './api-keys.js';
import { Count, dataOf } from './envelope.js';

/** Where rate-limit decisions are made: Redis, in process because Redis fails, in process by design, or nowhere. */
export const RateLimitMode = z.enum(['shared', 'degraded', 'local', 'off']).meta({ id: 'RateLimitMode' });
export type RateLimitMode = z.infer<typeof RateLimitMode>;

/** What a tier's limiter does while Redis is unreachable (`RATE_LIMIT_FAIL_MODES`). */
export const FailMode = z.enum(['local', 'open', 'closed']).meta({ id: 'FailMode' });

/** `GET /api/v1/admin/rate-limits`. */
export const RateLimitOverview = z
  .object({
    enabled: z.boolean(),
    mode: RateLimitMode,
    liveGateways: Count.meta({ description: 'Gateways sharing the limits (heartbeats in Redis).' }),
    tiers: z.array(
      z.object({ tier: Tier, limit: Count, windowMs: Count, buckets: Count, failMode: FailMode }),
    ),
    routes: z.array(
      z.object({
        policy: z.string(),
        method: z.string(),
        path: z.string(),
        key: z.enum(['ip', 'ip+email', 'identity']),
        limit: Count,
        windowMs: Count,
      }),
    ),
    topConsumers: z
      .array(
        z.object({
          subject: z.string(),
          policy: z.string(),
          limit: Count,
          used: Count,
          remaining: Count,
          ageMs: Count.meta({ description: 'Since this gateway last saw the subject.' }),
        }),
      )
      .meta({
        description: 'At most 20 subjects using the largest share of their limit, as this gateway saw them.',
      }),
  })
  .meta({ id: 'RateLimitOverview' });
export type RateLimitOverview = z.infer<typeof RateLimitOverview>;

export const RateLimitOverviewAnswer = dataOf(RateLimitOverview, 'RateLimitOverviewAnswer');
export type RateLimitOverviewAnswer = z.infer<typeof RateLimitOverviewAnswer>;
