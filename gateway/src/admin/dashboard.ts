import { type Clock, sendJson } from '@floodgate/shared';
import type { Dispatcher } from 'undici';
import type { GatewayStats } from '../observability/gateway-stats.js';
import type { RequestContext } from '../pipeline/request-context.js';
import type { AdminHandler } from './admin-stage.js';
import { fetchBalancerStatus } from './balancer-status.js';

export interface DashboardDeps {
  clock: Clock;
  startedAtMs: number;
  stats: GatewayStats;
  sessions: { readonly size: number };
  apiKeys: { readonly size: number };
  /** Extra sections computed per call (e.g. the rate limiter's mode). */
  extras?: (() => Record<string, unknown>) | undefined;
  upstream: Pick<Dispatcher, 'request'>;
  basePath: string;
}

/**
 * `GET /api/v1/admin/dashboard`: this gateway's counters plus the balancer's live status. An
 * unreachable balancer is part of the answer (`reachable: false`), not an error.
 */
export function createDashboardHandler(deps: DashboardDeps): AdminHandler {
  return async (ctx: RequestContext) => {
    const balancer = await fetchBalancerStatus(deps.upstream, deps.basePath, ctx.requestId);
    const { stats } = deps;
    sendJson(ctx.res, 200, {
      gateway: {
        uptimeSeconds: Math.floor((deps.clock.monotonic() - deps.startedAtMs) / 1000),
        inFlight: stats.inFlight,
        requests: { total: stats.total, byStatusClass: stats.byStatusClass() },
        sessionCache: { size: deps.sessions.size },
        apiKeyCache: { size: deps.apiKeys.size },
        ...deps.extras?.(),
      },
      balancer,
    });
  };
}
