import { parseQuery } from '@floodgate/shared';
import {
  type CircuitBreakerAnswer,
  type CircuitBreakerPage,
  type CircuitBreakerStatus,
  PageQuery,
  paginate,
} from '@floodgate/shared/admin-api';
import { type AdminRouter, backendSequence, unknownBackend } from '../admin/admin-route.js';
import type { Backend } from '../backends/backend.js';
import type { BackendPool } from '../backends/backend-pool.js';

/** The wire view of a backend's breaker. */
function toCircuitBreakerStatus(backend: Backend): CircuitBreakerStatus {
  const s = backend.breaker.toStatus();
  return {
    backendId: s.backend,
    circuitState: s.state,
    forced: s.forced,
    consecutiveFailures: s.consecutiveFailures,
    window: s.window,
    openedAt: s.openedAt === null ? null : new Date(s.openedAt).toISOString(),
    options: s.options,
  };
}

/**
 * Operator control of the per-backend breakers (`:id` is the backend id):
 * - `GET /lb/admin/circuit-breakers?limit&cursor` → `{data, nextCursor}`
 * - `POST /lb/admin/circuit-breakers/:id/open`: force open; stays open (no half-open trials) until close or reset
 * - `POST /lb/admin/circuit-breakers/:id/close`: close now; the rolling window keeps its history
 * - `POST /lb/admin/circuit-breakers/:id/reset`: a fresh closed breaker with an empty window
 */
export function registerCircuitBreakerAdminRoutes(router: AdminRouter, pool: BackendPool): void {
  router.add('GET', '/lb/admin/circuit-breakers', ({ query }) => {
    const page = paginate(pool.backends, parseQuery(PageQuery, query), backendSequence);
    const body: CircuitBreakerPage = {
      data: page.data.map(toCircuitBreakerStatus),
      nextCursor: page.nextCursor,
    };
    return { status: 200, body };
  });
  const actions = {
    open: (b: { forceOpen(): void }) => b.forceOpen(),
    close: (b: { close(): void }) => b.close(),
    reset: (b: { reset(): void }) => b.reset(),
  } as const;
  for (const action of ['open', 'close', 'reset'] as const) {
    router.add('POST', `/lb/admin/circuit-breakers/:id/${action}`, ({ params }) => {
      const backend = params.id === undefined ? undefined : pool.get(params.id);
      if (backend === undefined) throw unknownBackend(String(params.id));
      actions[action](backend.breaker);
      const body: CircuitBreakerAnswer = { data: toCircuitBreakerStatus(backend) };
      return { status: 200, body };
    });
  }
}
