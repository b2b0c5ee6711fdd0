import { type AdminRouter, unknownBackend } from '../admin/admin-route.js';
import type { BackendPool } from '../backends/backend-pool.js';
import type { CircuitBreakerStatus } from './backend-breaker.js';

/** `GET /lb/admin/circuit-breakers` */
export interface CircuitBreakerListResponse {
  circuitBreakers: CircuitBreakerStatus[];
}

/** `POST /lb/admin/circuit-breakers/:id/open|close|reset`: the breaker after the change. */
export interface CircuitBreakerResponse {
  circuitBreaker: CircuitBreakerStatus;
}

/**
 * Operator control of the per-backend breakers (`:id` is the backend id):
 * - `GET /lb/admin/circuit-breakers`
 * - `POST /lb/admin/circuit-breakers/:id/open`: force open; stays open (no half-open trials) until close or reset
 * - `POST /lb/admin/circuit-breakers/:id/close`: close now; the rolling window keeps its history
 * - `POST /lb/admin/circuit-breakers/:id/reset`: a fresh closed breaker with an empty window
 */
export function registerCircuitBreakerAdminRoutes(router: AdminRouter, pool: BackendPool): void {
  router.add('GET', '/lb/admin/circuit-breakers', () => {
    const body: CircuitBreakerListResponse = {
      circuitBreakers: pool.backends.map((b) => b.breaker.toStatus()),
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
      const body: CircuitBreakerResponse = { circuitBreaker: backend.breaker.toStatus() };
      return { status: 200, body };
    });
  }
}
