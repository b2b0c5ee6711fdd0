import { type Clock, sendJson } from '@floodgate/shared';
import type { Dashboard, DashboardAnswer } from '@floodgate/shared/admin-api';
import type { Dispatcher } from 'undici';
import type { GatewayStats } from '../observability/gateway-stats.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { AdminHandler } from './admin-stage.js';
import { fetchBalancerStatus } from './balancer-status.js';

export interface DashboardDeps {
  clock: Clock;
  /** `clock.monotonic()` when the gateway started. */
  startedAtMs: number;
  stats: GatewayStats;
  sessions: { readonly size: number };
  apiKeys: { readonly size: number };
  /** The rate limiter's and admission's live state, read per call; without it: off and idle. */
  extras?: (() => Pick<Dashboard['gateway'], 'rateLimit' | 'admission'>) | undefined;
  upstream: Pick<Dispatcher, 'request'>;
  basePath: string;
}

const NO_EXTRAS: Pick<Dashboard['gateway'], 'rateLimit' | 'admission'> = {
  rateLimit: { mode: 'off', liveGateways: 1 },
  admission: { inFlight: 0, queued: 0 },
};

/**
 * `GET /api/v1/admin/dashboard` → `{data: Dashboard}`: this gateway's counters plus the balancer's
 * live status. An unreachable balancer is part of the answer (`reachable: false`), not an error.
 */
export function createDashboardHandler(deps: DashboardDeps): AdminHandler {
  const { clock, stats } = deps;
  const startedAt = new Date(clock.now() - (clock.monotonic() - deps.startedAtMs)).toISOString();
  return async (ctx: RequestContext) => {
    const balancer = await fetchBalancerStatus(deps.upstream, deps.basePath, ctx.requestId);
    const byClass = stats.byStatusClass();
    const body: DashboardAnswer = {
      data: {
        gateway: {
          startedAt,
          uptimeMs: Math.round(clock.monotonic() - deps.startedAtMs),
          inFlight: stats.inFlight,
          requests: {
            total: stats.total,
            byStatusClass: {
              '1xx': byClass['1xx'] ?? 0,
              '2xx': byClass['2xx'] ?? 0,
              '3xx': byClass['3xx'] ?? 0,
              '4xx': byClass['4xx'] ?? 0,
              '5xx': byClass['5xx'] ?? 0,
            },
          },
          sessionCache: { size: deps.sessions.size },
          apiKeyCache: { size: deps.apiKeys.size },
          ...(deps.extras?.() ?? NO_EXTRAS),
        },
        balancer,
      },
    };
    sendJson(ctx.res, 200, body);
  };
}
