import { z } from 'zod';
import { type CommonConfig, CommonEnv, toCommonConfig } from './common-config.js';
import { httpUrl, port, positiveInt } from './env-types.js';
import { parseEnv } from './parse-env.js';
import { type PostgresConfig, PostgresEnv, toPostgresConfig } from './postgres-config.js';
import { type RedisConfig, RedisEnv, toRedisConfig } from './redis-config.js';

export const GatewayEnv = z.object({
  ...CommonEnv.shape,
  ...PostgresEnv.shape,
  ...RedisEnv.shape,
  GATEWAY_PORT: port(8080),
  /** The load balancer every proxied request goes to. */
  LB_URL: httpUrl.default('http://localhost:3000'),
  BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
  /** Total bytes of request headers (Node's maxHeaderSize); larger → 431. */
  MAX_HEADER_BYTES: positiveInt(16 * 1024),
  /** Time allowed to receive the complete request headers (slowloris guard). */
  HEADERS_TIMEOUT_MS: positiveInt(10_000),
  /** Time allowed to receive the whole request. */
  REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Idle keep-alive connections are closed after this. */
  KEEP_ALIVE_TIMEOUT_MS: positiveInt(5_000),
  UPSTREAM_CONNECTIONS: positiveInt(128),
  UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt(30_000),
  UPSTREAM_BODY_TIMEOUT_MS: positiveInt(30_000),
  /** Verified sessions kept in memory (bounded LRU). */
  SESSION_CACHE_SIZE: positiveInt(10_000),
  /** How long a verified session is trusted without PostgreSQL; revocation over Redis is immediate. */
  SESSION_CACHE_TTL_MS: positiveInt(60_000),
  RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  RATE_LIMIT_MAX_REQUESTS: positiveInt(100),
});

export interface GatewayConfig extends CommonConfig {
  port: number;
  lbUrl: string;
  bodyLimitBytes: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  upstream: { connections: number; headersTimeoutMs: number; bodyTimeoutMs: number };
  sessionCache: { size: number; ttlMs: number };
  rateLimit: { windowMs: number; anonymousMax: number };
  postgres: PostgresConfig;
  redis: RedisConfig;
}

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = parseEnv('gateway', GatewayEnv, env);
  return Object.freeze({
    ...toCommonConfig(e),
    port: e.GATEWAY_PORT,
    lbUrl: e.LB_URL.replace(/\/+$/, ''),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxHeaderBytes: e.MAX_HEADER_BYTES,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    upstream: {
      connections: e.UPSTREAM_CONNECTIONS,
      headersTimeoutMs: e.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.UPSTREAM_BODY_TIMEOUT_MS,
    },
    sessionCache: { size: e.SESSION_CACHE_SIZE, ttlMs: e.SESSION_CACHE_TTL_MS },
    rateLimit: { windowMs: e.RATE_LIMIT_WINDOW_MS, anonymousMax: e.RATE_LIMIT_MAX_REQUESTS },
    postgres: toPostgresConfig(e),
    redis: toRedisConfig(e),
  });
}
