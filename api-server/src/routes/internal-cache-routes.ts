import { type RouteHandler, type Router, readBodyWith, sendJson } from '@floodgate/shared';
import {
  type CacheClearResultAnswer,
  type CacheInstanceStats,
  type CacheInstanceStatsAnswer,
  CacheScope,
} from '@floodgate/shared/admin-api';
import type { AppDeps } from '../app-deps.js';
import type { TwoLevelCache } from '../cache/two-level-cache.js';
import { createInternalAuth } from '../http/internal-auth.js';

const CLEAR_BODY_LIMIT_BYTES = 4096;

/**
 * Instance-level cache control, called by the gateway's admin API for every api-server it learns of
 * from the load balancer (never proxied: the gateway forwards only /api/*). Wire shapes:
 * `@floodgate/shared/admin-api`. `GET /internal/cache` → `{data: CacheInstanceStats}`.
 * `POST /internal/cache/clear` with `{}` (all), `{"key": K}` or `{"prefix": P}` drops L1 here and the
 * matching L2 values → `{data: CacheClearResult}`.
 */
export function registerInternalCacheRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  const { cache, config } = deps;
  const guard = createInternalAuth(config.internalToken);
  const instanceId = config.instanceId;

  router.add('GET', '/internal/cache', ({ req, res }) => {
    guard(req);
    const body: CacheInstanceStatsAnswer = { data: toWireStats(instanceId, cache.stats()) };
    sendJson(res, 200, body);
  });

  router.add('POST', '/internal/cache/clear', async ({ req, res }) => {
    guard(req);
    const scope = await readBodyWith(req, CacheScope, CLEAR_BODY_LIMIT_BYTES);
    const { l1, l2 } = await cache.clear(scope);
    const body: CacheClearResultAnswer = { data: { instanceId, scope, cleared: { l1Entries: l1, l2 } } };
    sendJson(res, 200, body);
  });
}

/** The cache's plain-data stats in the wire shape. */
function toWireStats(instanceId: string, s: ReturnType<TwoLevelCache['stats']>): CacheInstanceStats {
  const { writeWaits, ...coherence } = s.coherence;
  return {
    instanceId,
    enabled: s.enabled,
    coherence,
    l1: s.l1,
    l2: s.l2,
    loads: s.loads,
    coalesced: s.coalesced,
    staleServed: s.staleServed,
    lockWaits: s.lockWaits,
    invalidations: s.invalidations,
    writeWaits: {
      acked: writeWaits.acked,
      leaseExpired: writeWaits['lease-expired'],
      fallback: writeWaits.fallback,
      none: writeWaits.none,
    },
  };
}
