import { z } from 'zod';
import { type CommonConfig, CommonEnv, toCommonConfig } from './common-config.js';
import { boolean, nonNegativeInt, optionalString, port, positiveInt, ratio } from './env-types.js';
import { parseEnv } from './parse-env.js';
import { type PostgresConfig, PostgresEnv, toPostgresConfig } from './postgres-config.js';
import { type RedisConfig, RedisEnv, toRedisConfig } from './redis-config.js';

export const ApiServerEnv = z.object({
  ...CommonEnv.shape,
  ...PostgresEnv.shape,
  ...RedisEnv.shape,
  PORT: port(3001),
  /** Appears in every /api/v1/status response; defaults to api-<PORT>. */
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (1-64)')
    .optional(),
  BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  /** L2 (Redis) cache TTL in seconds. */
  CACHE_TTL: positiveInt(300),
  SESSION_TTL_SECONDS: positiveInt(86_400),
  /** Apply pending migrations on start (safe with many instances: advisory lock). */
  RUN_MIGRATIONS: boolean(true),
  /** Seed the dev users and resources into an empty database. Never in production. */
  SEED_DEV_DATA: boolean(true),
  /** The simulated flaky dependency behind GET /api/v1/external. */
  EXTERNAL_FAILURE_RATE: ratio(0.3),
  EXTERNAL_LATENCY_MS: nonNegativeInt(50),
  EXTERNAL_TIMEOUT_MS: positiveInt(1000),
  /** Consecutive failures that open the /external breaker. */
  CIRCUIT_FAILURE_THRESHOLD: positiveInt(5),
  /** Milliseconds an open breaker waits before a half-open trial. */
  CIRCUIT_RESET_TIMEOUT: positiveInt(30_000),
  /** Resource read cache (L1 + L2) on or off; off = every read goes to PostgreSQL. */
  CACHE_ENABLED: boolean(true),
  /** Spread of the L2 TTL as a fraction (0.1 = ±10 %), so entries loaded together do not expire together. */
  CACHE_TTL_JITTER: ratio(0.1),
  /** L1 (in-process LRU) entry lifetime. */
  CACHE_L1_TTL_MS: positiveInt(5_000),
  /** L1 bound by entry count. */
  CACHE_L1_MAX_ENTRIES: positiveInt(10_000),
  /** L1 bound by bytes (bodies plus compressed copies). */
  CACHE_L1_MAX_BYTES: positiveInt(64 * 1024 * 1024),
  /** Coherence lease: L1/L2 are read only within this long of the instance's last confirmed bus heartbeat; also the longest a write waits for a silent instance. */
  CACHE_LEASE_MS: positiveInt(1_000),
  /** An L2 (Redis) cache operation slower than this counts as failed; the read falls through to PostgreSQL. */
  CACHE_L2_TIMEOUT_MS: positiveInt(100),
  /** After an L2 failure, Redis is skipped for this long before it is tried again. */
  CACHE_L2_RETRY_MS: positiveInt(1_000),
  /** Cluster-wide load lock lifetime: a lock whose holder died frees itself after this. */
  CACHE_LOCK_TTL_MS: positiveInt(2_000),
  /** Longest a miss waits for another instance's load before it queries PostgreSQL itself. */
  CACHE_LOCK_WAIT_MS: positiveInt(250),
  /** Stale-if-error: how long after a cached copy stops being fresh it may still be served (X-Cache: STALE) while PostgreSQL fails. */
  CACHE_STALE_GRACE_MS: nonNegativeInt(60_000),
  /** A miss with a stale copy waits this long for PostgreSQL before serving the copy. */
  CACHE_LOAD_TIMEOUT_MS: positiveInt(1_000),
  /** Cached responses at least this large are compressed (gzip or brotli) for clients that accept it. */
  CACHE_COMPRESS_MIN_BYTES: positiveInt(1024),
  /** Bearer token required by /internal/* (cache stats and clear); unset = loopback clients only. */
  INTERNAL_TOKEN: optionalString,
  /** After SIGTERM, /health/ready answers 503 SHUTTING_DOWN this long before the drain starts (balancers stop sending first). */
  SHUTDOWN_DELAY_MS: nonNegativeInt(2500),
  /** How long an Idempotency-Key of a POST or PATCH is remembered (its response replayed); expired keys are purged. */
  IDEMPOTENCY_TTL_MS: positiveInt(86_400_000),
});

export interface ApiServerConfig extends CommonConfig {
  port: number;
  instanceId: string;
  bodyLimitBytes: number;
  cacheTtlSeconds: number;
  sessionTtlSeconds: number;
  runMigrations: boolean;
  seedDevData: boolean;
  external: { failureRate: number; latencyMs: number; timeoutMs: number };
  circuit: { failureThreshold: number; resetTimeoutMs: number };
  cache: ApiCacheConfig;
  /** null: /internal/* answers loopback clients only. */
  internalToken: string | null;
  /** SIGTERM → readiness 503 SHUTTING_DOWN for this long, then the drain (SHUTDOWN_TIMEOUT_MS). */
  shutdownDelayMs: number;
  /** Idempotency-Key records live this long (IDEMPOTENCY_TTL_MS). */
  idempotencyTtlMs: number;
  postgres: PostgresConfig;
  redis: RedisConfig;
}

/** The two-level resource cache (docs/caching.md). */
export interface ApiCacheConfig {
  enabled: boolean;
  /** L2 TTL (CACHE_TTL) in milliseconds. */
  l2TtlMs: number;
  ttlJitter: number;
  l1TtlMs: number;
  l1MaxEntries: number;
  l1MaxBytes: number;
  leaseMs: number;
  l2TimeoutMs: number;
  l2RetryMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  staleGraceMs: number;
  loadTimeoutMs: number;
  compressMinBytes: number;
}

export function loadApiServerConfig(env: Record<string, string | undefined> = process.env): ApiServerConfig {
  const e = parseEnv('api-server', ApiServerEnv, env);
  const common = toCommonConfig(e);
  return Object.freeze({
    ...common,
    port: e.PORT,
    instanceId: e.INSTANCE_ID ?? `api-${e.PORT}`,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    cacheTtlSeconds: e.CACHE_TTL,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    runMigrations: e.RUN_MIGRATIONS,
    seedDevData: e.SEED_DEV_DATA && common.nodeEnv !== 'production',
    external: {
      failureRate: e.EXTERNAL_FAILURE_RATE,
      latencyMs: e.EXTERNAL_LATENCY_MS,
      timeoutMs: e.EXTERNAL_TIMEOUT_MS,
    },
    circuit: { failureThreshold: e.CIRCUIT_FAILURE_THRESHOLD, resetTimeoutMs: e.CIRCUIT_RESET_TIMEOUT },
    cache: {
      enabled: e.CACHE_ENABLED,
      l2TtlMs: e.CACHE_TTL * 1000,
      ttlJitter: e.CACHE_TTL_JITTER,
      l1TtlMs: e.CACHE_L1_TTL_MS,
      l1MaxEntries: e.CACHE_L1_MAX_ENTRIES,
      l1MaxBytes: e.CACHE_L1_MAX_BYTES,
      leaseMs: e.CACHE_LEASE_MS,
      l2TimeoutMs: e.CACHE_L2_TIMEOUT_MS,
      l2RetryMs: e.CACHE_L2_RETRY_MS,
      lockTtlMs: e.CACHE_LOCK_TTL_MS,
      lockWaitMs: e.CACHE_LOCK_WAIT_MS,
      staleGraceMs: e.CACHE_STALE_GRACE_MS,
      loadTimeoutMs: e.CACHE_LOAD_TIMEOUT_MS,
      compressMinBytes: e.CACHE_COMPRESS_MIN_BYTES,
    },
    internalToken: e.INTERNAL_TOKEN ?? null,
    shutdownDelayMs: e.SHUTDOWN_DELAY_MS,
    idempotencyTtlMs: e.IDEMPOTENCY_TTL_MS,
    postgres: toPostgresConfig(e),
    redis: toRedisConfig(e),
  });
}
