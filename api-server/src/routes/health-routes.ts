import {
  type Clock,
  FloodgateError,
  type Pool,
  type RouteHandler,
  type Router,
  sendJson,
} from '@floodgate/shared';
import type { AppDeps } from '../app-deps.js';

/** How long PostgreSQL has to answer before the instance reports not ready. */
export const READY_TIMEOUT_MS = 1000;

/**
 * GET /health (summary), /health/live (the process runs), /health/ready (PostgreSQL answers
 * SELECT 1 within READY_TIMEOUT_MS; else 503 DEPENDENCY_UNAVAILABLE, so balancers route elsewhere).
 */
export function registerHealthRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  const { pool, clock, startedAtMs } = deps;
  const instanceId = deps.config.instanceId;

  router.add('GET', '/health/live', ({ res }) => sendJson(res, 200, { status: 'live', instanceId }));

  router.add('GET', '/health/ready', async ({ res }) => {
    if (!(await pingPostgres(pool, clock, READY_TIMEOUT_MS))) {
      throw new FloodgateError('DEPENDENCY_UNAVAILABLE', 'PostgreSQL is not reachable', {
        details: { checks: { postgres: 'down' } },
      });
    }
    sendJson(res, 200, { status: 'ready', instanceId, checks: { postgres: 'up' } });
  });

  router.add('GET', '/health', async ({ res }) => {
    const up = await pingPostgres(pool, clock, READY_TIMEOUT_MS);
    sendJson(res, 200, {
      status: up ? 'ok' : 'degraded',
      instanceId,
      uptime: Math.round(clock.monotonic() - startedAtMs) / 1000,
      checks: { postgres: up ? 'up' : 'down' },
    });
  });
}

/** True when `SELECT 1` succeeds within `timeoutMs`; never throws. */
async function pingPostgres(pool: Pool, clock: Clock, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = clock.setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      pool.query('SELECT 1').then(
        () => true,
        () => false,
      ),
      timedOut,
    ]);
  } finally {
    if (timer) clock.clearTimeout(timer);
  }
}
