import { type RouteContext, sendJson } from '@floodgate/shared';
import type { BackendPool } from '../backends/backend-pool.js';

/** Body of `GET /health`: "ok" when every backend is available, "degraded" otherwise. */
export interface LbHealth {
  status: 'ok' | 'degraded';
  backends: { total: number; available: number };
}

/** 200 while at least one backend is available, 503 when none is (the balancer can serve nothing). */
export function createHealthHandler(pool: BackendPool) {
  return ({ res }: RouteContext): void => {
    const total = pool.backends.length;
    const available = pool.availableCount();
    const body: LbHealth = {
      status: total > 0 && available === total ? 'ok' : 'degraded',
      backends: { total, available },
    };
    sendJson(res, available > 0 ? 200 : 503, body);
  };
}
