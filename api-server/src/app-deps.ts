import type { ResourceRepository, SessionRepository, UserRepository } from '@floodgate/database';
import type { ApiServerConfig, Clock, EventBus, Logger, Pool } from '@floodgate/shared';
import type { Registry } from 'prom-client';
import type { Authenticate } from './auth/authenticate.js';
import type { TwoLevelCache } from './cache/two-level-cache.js';
import type { ExternalBreaker } from './external/external-breaker.js';
import type { IdempotentWrites } from './idempotency/idempotent-writes.js';

/** Everything route groups need, built once by createApiServer. */
export interface AppDeps {
  config: ApiServerConfig;
  logger: Logger;
  clock: Clock;
  pool: Pool;
  eventBus: EventBus;
  registry: Registry;
  users: UserRepository;
  sessions: SessionRepository;
  resources: ResourceRepository;
  authenticate: Authenticate;
  externalBreaker: ExternalBreaker;
  /** The two-level resource cache (L1 + L2 + coherence bus). */
  cache: TwoLevelCache;
  /** POST and PATCH with Idempotency-Key, through `cache`. */
  idempotentWrites: IdempotentWrites;
  /** clock.monotonic() when the server was created. */
  startedAtMs: number;
}
