import { z } from 'zod';
import { Count, dataOf, Timestamp } from './envelope.js';
import { LbStatus } from './lb-status.js';
import { RateLimitMode } from './rate-limits.js';

/** `GET /api/v1/admin/dashboard`: this gateway's counters and the balancer's live status. */
export const Dashboard = z
  .object({
    gateway: z.object({
      startedAt: Timestamp,
      uptimeMs: Count,
      inFlight: Count,
      requests: z.object({
        total: Count,
        byStatusClass: z.object({ '1xx': Count, '2xx': Count, '3xx': Count, '4xx': Count, '5xx': Count }),
      }),
      sessionCache: z.object({ size: Count }),
      apiKeyCache: z.object({ size: Count }),
      rateLimit: z.object({ mode: RateLimitMode, liveGateways: Count }),
      admission: z.object({ inFlight: Count, queued: Count }),
    }),
    balancer: z
      .object({
        reachable: z.boolean(),
        status: LbStatus.nullable().meta({
          description: "The balancer's /lb/status; null when unavailable.",
        }),
        error: z.string().nullable().meta({ description: 'Why `status` is null.' }),
      })
      .meta({ description: 'An unreachable balancer is part of the answer, not an error.' }),
  })
  .meta({ id: 'Dashboard' });
export type Dashboard = z.infer<typeof Dashboard>;

export const DashboardAnswer = dataOf(Dashboard, 'DashboardAnswer');
export type DashboardAnswer = z.infer<typeof DashboardAnswer>;
