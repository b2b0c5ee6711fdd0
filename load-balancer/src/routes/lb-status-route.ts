import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, sendJson } from '@floodgate/shared';
import type { BackendStatus } from '../backends/backend.js';
import type { BackendPool } from '../backends/backend-pool.js';

/** Body of `GET /lb/status`. */
export interface LbStatus {
  algorithm: string;
  /** Seconds since the balancer started. */
  uptime: number;
  backends: BackendStatus[];
}

export function createLbStatusHandler(pool: BackendPool, clock: Clock) {
  const startedMs = clock.monotonic();
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const body: LbStatus = {
      algorithm: pool.balancer.name,
      uptime: Math.round((clock.monotonic() - startedMs) / 10) / 100,
      backends: pool.backends.map((b) => b.toStatus()),
    };
    sendJson(res, 200, body);
  };
}
