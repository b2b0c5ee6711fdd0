import { z } from 'zod';
import { type CommonConfig, CommonEnv, toCommonConfig } from './common-config.js';
import { boolean, nonNegativeInt, port, positiveInt, ratio } from './env-types.js';
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
  postgres: PostgresConfig;
  redis: RedisConfig;
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
    postgres: toPostgresConfig(e),
    redis: toRedisConfig(e),
  });
}
