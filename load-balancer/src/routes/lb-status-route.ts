import { type Clock, type RouteContext, sendJson } from '@floodgate/shared';
import { LbAlgorithm, type LbStatusAnswer } from '@floodgate/shared/admin-api';
import type { BackendPool } from '../backends/backend-pool.js';

/** `GET /lb/status`: `{data: LbStatus}`, the algorithm and every backend. */
export function createLbStatusHandler(pool: BackendPool, clock: Clock) {
  const startedMs = clock.monotonic();
  const startedAt = new Date(clock.now()).toISOString();
  // Checked once: a balancer whose name is no LB_ALGORITHM value fails here, not on the wire.
  const algorithm = LbAlgorithm.parse(pool.balancer.name);
  return ({ res }: RouteContext): void => {
    const body: LbStatusAnswer = {
      data: {
        algorithm,
        startedAt,
        uptimeMs: Math.round(clock.monotonic() - startedMs),
        backends: pool.backends.map((b) => b.toStatus()),
      },
    };
    sendJson(res, 200, body);
  };
}
