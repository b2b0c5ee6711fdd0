import { isIP } from 'node:net';
import { z } from 'zod';
import { type CommonConfig, CommonEnv, toCommonConfig } from './common-config.js';
import { ConfigError } from './config-error.js';
import { boolean, httpUrl, nonNegativeInt, optionalString, port, positiveInt } from './env-types.js';
import { parseEnv } from './parse-env.js';
import { type PostgresConfig, PostgresEnv, toPostgresConfig } from './postgres-config.js';
import { type RedisConfig, RedisEnv, toRedisConfig } from './redis-config.js';

/** Default limits per minute of the keyed tiers (anonymous comes from RATE_LIMIT_MAX_REQUESTS). */
const DEFAULT_TIER_MAX = { anonymous: 100, free: 1000, pro: 10_000, enterprise: 100_000 } as const;

const KEYED_TIERS: ReadonlySet<string> = new Set(['free', 'pro', 'enterprise']);

/** Splits a list on `separator`, trimming entries and dropping empty ones. */
function entries(raw: string, separator: string): string[] {
  return raw
    .split(separator)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** `a.b.c.d/n` or `ipv6/n` (a bare address means one host) → normalised CIDR, or null. */
function parseCidr(entry: string): string | null {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  const bits = slash === -1 ? max : Number(entry.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > max || (slash !== -1 && entry.slice(slash + 1) === '')) {
    return null;
  }
  return `${address}/${bits}`;
}

const cidrList = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: string[] = [];
    for (const entry of entries(s, ',')) {
      const cidr = parseCidr(entry);
      if (cidr === null) ctx.addIssue({ code: 'custom', message: `not an IP address or CIDR: ${entry}` });
      else out.push(cidr);
    }
    return out;
  });

/** A positive integer written in decimal, or NaN. */
function positiveNumber(s: string | undefined): number {
  return s !== undefined && /^[1-9]\d{0,11}$/.test(s) ? Number(s) : Number.NaN;
}

const tierLimitList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const out: Partial<Record<TierName, { max: number; windowMs?: number }>> = {};
      for (const entry of entries(s, ',')) {
        const m = /^([a-z]+)=(\d+)(?:\/(\d+))?$/.exec(entry);
        const tier = m?.[1] ?? '';
        const max = positiveNumber(m?.[2]);
        const windowMs = m?.[3] === undefined ? undefined : positiveNumber(m[3]);
        if (!m || Number.isNaN(max) || (windowMs !== undefined && Number.isNaN(windowMs))) {
          ctx.addIssue({ code: 'custom', message: `write tier=max or tier=max/windowMs: ${entry}` });
        } else if (!KEYED_TIERS.has(tier)) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown tier "${tier}" (free, pro, enterprise; anonymous is RATE_LIMIT_MAX_REQUESTS)`,
          });
        } else {
          out[tier as TierName] = windowMs === undefined ? { max } : { max, windowMs };
        }
      }
      return out;
    });

const failModeList = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: Partial<Record<TierName, FailMode>> = {};
    for (const entry of entries(s, ',')) {
      const m = /^([a-z]+)=(local|open|closed)$/.exec(entry);
      if (!m || !(TIERS as readonly string[]).includes(m[1] as string)) {
        ctx.addIssue({ code: 'custom', message: `write tier=local|open|closed: ${entry}` });
      } else {
        out[m[1] as TierName] = m[2] as FailMode;
      }
    }
    return out;
  });

const routeLimitList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const out: RouteLimit[] = [];
      for (const entry of entries(s, ';')) {
        const m = /^([A-Z]+) (\/\S*)=(\d+)\/(\d+)(?::(ip|ip\+email|identity))?$/.exec(entry);
        const max = positiveNumber(m?.[3]);
        const windowMs = positiveNumber(m?.[4]);
        if (!m || Number.isNaN(max) || Number.isNaN(windowMs)) {
          ctx.addIssue({
            code: 'custom',
            message: `write METHOD /path=max/windowMs[:ip|ip+email|identity]: ${entry}`,
          });
        } else {
          out.push({
            method: m[1] as string,
            path: m[2] as string,
            max,
            windowMs,
            key: (m[5] as RouteLimitKey | undefined) ?? 'ip',
          });
        }
      }
      return out;
    });

export const GatewayEnv = z.object({
  ...CommonEnv.shape,
  ...PostgresEnv.shape,
  ...RedisEnv.shape,
  GATEWAY_PORT: port(8080),
  /** The load balancer every proxied request goes to. */
  LB_URL: httpUrl.default('http://localhost:3000'),
  /** Bearer token for the api-servers' /internal/* (the cache admin API calls them); unset = none sent. */
  INTERNAL_TOKEN: optionalString,
  /** The balancer's LB_ADMIN_TOKEN, sent on the admin backend/breaker routes it forwards to /lb/admin/*; unset = none (loopback balancer). */
  LB_ADMIN_TOKEN: optionalString,
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
  /** Sliding-window length of the anonymous tier and of every RATE_LIMIT_TIERS entry without its own. */
  RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  /** The anonymous tier's requests per window. */
  RATE_LIMIT_MAX_REQUESTS: positiveInt(100),
  /** HMAC-SHA-256 key for API key hashes (≥ 32 chars); required in production, a logged dev default otherwise. */
  API_KEY_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, 'at least 32 characters'),
  /** Verified API keys kept in memory (bounded LRU). */
  API_KEY_CACHE_SIZE: positiveInt(10_000),
  /** How long a verified key is trusted without PostgreSQL; revocation over Redis is immediate. */
  API_KEY_CACHE_TTL_MS: positiveInt(60_000),
  /** How often the keys' last_used_at is written, in one batch (never per request). */
  API_KEY_LAST_USED_FLUSH_MS: positiveInt(10_000),
  /** Comma-separated CIDRs of proxies whose X-Forwarded-For is trusted; empty = trust none. */
  TRUST_PROXY: cidrList,
  /** Tier limits `tier=max[/windowMs]`, comma-separated; the window defaults to RATE_LIMIT_WINDOW_MS. */
  RATE_LIMIT_TIERS: tierLimitList('free=1000,pro=10000,enterprise=100000'),
  /** Per tier, what happens while Redis is unreachable: local (limit ÷ live gateways), open or closed. */
  RATE_LIMIT_FAIL_MODES: failModeList,
  /** Route policies on top of tiers, `;`-separated `METHOD /path=max/windowMs:key` (key: ip, ip+email, identity). */
  RATE_LIMIT_ROUTES: routeLimitList('POST /api/v1/auth/login=5/60000:ip+email'),
  /** Sub-window counters per sliding window (accuracy 1/buckets, memory per key O(buckets)). */
  RATE_LIMIT_BUCKETS: z.coerce.number().int().min(10).max(120).default(100),
  /** Longest a rate-limit decision waits for Redis before the in-process fallback decides. */
  RATE_LIMIT_REDIS_TIMEOUT_MS: positiveInt(50),
  /** While Redis is failing, how often it is probed in the background (requests never wait for it). */
  RATE_LIMIT_PROBE_INTERVAL_MS: positiveInt(500),
  /** Rate limiting on or off (off only for benchmarks and trusted internal deployments). */
  RATE_LIMIT_ENABLED: boolean(true),
  /** Busy keys take leases of up to max ÷ buckets units per Redis call (the bound still holds); false = a call per request. */
  RATE_LIMIT_LEASES: boolean(true),
  /** How often a gateway announces itself in Redis; the live count divides limits in degraded mode. */
  GATEWAY_HEARTBEAT_INTERVAL_MS: positiveInt(1000),
  /** Proxied requests in progress at once; beyond it requests queue, then are shed by tier. */
  ADMISSION_MAX_IN_FLIGHT: positiveInt(1024),
  /** Requests waiting for a slot; when full, the lowest tier waiting (or arriving) is shed with 503. */
  ADMISSION_QUEUE_SIZE: nonNegativeInt(128),
  /** Longest a request waits in the admission queue before 503 OVERLOADED. */
  ADMISSION_QUEUE_TIMEOUT_MS: positiveInt(250),
  /** Request header fields accepted; more → 431. */
  MAX_HEADER_COUNT: positiveInt(100),
  /** Requests served on one keep-alive connection before it is closed (0 = unlimited). */
  MAX_REQUESTS_PER_SOCKET: nonNegativeInt(1000),
});

/** Rate-limit tiers, lowest priority first (admission control sheds in this order). */
export const TIERS = ['anonymous', 'free', 'pro', 'enterprise'] as const;
export type TierName = (typeof TIERS)[number];

/** What a tier's limiter does while Redis is unreachable. */
export type FailMode = 'local' | 'open' | 'closed';

/** One tier's sliding-window limit. */
export interface TierLimit {
  max: number;
  windowMs: number;
  failMode: FailMode;
}

/** What a route policy counts requests by. */
export type RouteLimitKey = 'ip' | 'ip+email' | 'identity';

/** A rate limit on one method + exact path, applied on top of the tier limit. */
export interface RouteLimit {
  method: string;
  path: string;
  max: number;
  windowMs: number;
  key: RouteLimitKey;
}

/**
 * The API key HMAC secret used when API_KEY_SECRET is unset outside production. Public by design:
 * keys hashed with it protect nothing, which is why the gateway logs a warning when it is in use.
 */
export const DEV_API_KEY_SECRET = 'floodgate-dev-only-api-key-secret-never-use-in-production';

export interface GatewayConfig extends CommonConfig {
  port: number;
  lbUrl: string;
  /** Sent to the api-servers' /internal/* endpoints; null: no token. */
  internalToken: string | null;
  /** Bearer token for the balancer's /lb/admin/*; null: none sent. */
  lbAdminToken: string | null;
  bodyLimitBytes: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  upstream: { connections: number; headersTimeoutMs: number; bodyTimeoutMs: number };
  sessionCache: { size: number; ttlMs: number };
  rateLimit: { windowMs: number; anonymousMax: number };
  /** Every tier's limit (anonymous from RATE_LIMIT_MAX_REQUESTS/RATE_LIMIT_WINDOW_MS). */
  tierLimits: Readonly<Record<TierName, TierLimit>>;
  routeLimits: readonly RouteLimit[];
  limiter: {
    enabled: boolean;
    leases: boolean;
    buckets: number;
    redisTimeoutMs: number;
    probeIntervalMs: number;
    heartbeatIntervalMs: number;
  };
  apiKeys: {
    secret: string;
    /** True when API_KEY_SECRET is unset and the public dev secret is in use. */
    devSecret: boolean;
    cacheSize: number;
    cacheTtlMs: number;
    lastUsedFlushMs: number;
  };
  /** Normalised CIDRs whose X-Forwarded-For is trusted. */
  trustProxy: readonly string[];
  admission: { maxInFlight: number; queueSize: number; queueTimeoutMs: number };
  maxHeaderCount: number;
  maxRequestsPerSocket: number;
  postgres: PostgresConfig;
  redis: RedisConfig;
}

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = parseEnv('gateway', GatewayEnv, env);
  if (
    e.NODE_ENV === 'production' &&
    (e.API_KEY_SECRET === undefined || e.API_KEY_SECRET === DEV_API_KEY_SECRET)
  ) {
    throw new ConfigError('gateway', [
      'API_KEY_SECRET: required when NODE_ENV=production (a private secret of at least 32 characters)',
    ]);
  }
  const failModes = e.RATE_LIMIT_FAIL_MODES;
  const tierLimits = {} as Record<TierName, TierLimit>;
  for (const tier of TIERS) {
    const spec = tier === 'anonymous' ? { max: e.RATE_LIMIT_MAX_REQUESTS } : e.RATE_LIMIT_TIERS[tier];
    tierLimits[tier] = Object.freeze({
      max: spec?.max ?? DEFAULT_TIER_MAX[tier],
      windowMs: (spec as { windowMs?: number } | undefined)?.windowMs ?? e.RATE_LIMIT_WINDOW_MS,
      failMode: failModes[tier] ?? 'local',
    });
  }
  return Object.freeze({
    ...toCommonConfig(e),
    port: e.GATEWAY_PORT,
    lbUrl: e.LB_URL.replace(/\/+$/, ''),
    internalToken: e.INTERNAL_TOKEN ?? null,
    lbAdminToken: e.LB_ADMIN_TOKEN ?? null,
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
    tierLimits: Object.freeze(tierLimits),
    routeLimits: Object.freeze(e.RATE_LIMIT_ROUTES.map((r) => Object.freeze(r))),
    limiter: {
      enabled: e.RATE_LIMIT_ENABLED,
      leases: e.RATE_LIMIT_LEASES,
      buckets: e.RATE_LIMIT_BUCKETS,
      redisTimeoutMs: e.RATE_LIMIT_REDIS_TIMEOUT_MS,
      probeIntervalMs: e.RATE_LIMIT_PROBE_INTERVAL_MS,
      heartbeatIntervalMs: e.GATEWAY_HEARTBEAT_INTERVAL_MS,
    },
    apiKeys: {
      secret: e.API_KEY_SECRET ?? DEV_API_KEY_SECRET,
      devSecret: e.API_KEY_SECRET === undefined,
      cacheSize: e.API_KEY_CACHE_SIZE,
      cacheTtlMs: e.API_KEY_CACHE_TTL_MS,
      lastUsedFlushMs: e.API_KEY_LAST_USED_FLUSH_MS,
    },
    trustProxy: Object.freeze(e.TRUST_PROXY),
    admission: {
      maxInFlight: e.ADMISSION_MAX_IN_FLIGHT,
      queueSize: e.ADMISSION_QUEUE_SIZE,
      queueTimeoutMs: e.ADMISSION_QUEUE_TIMEOUT_MS,
    },
    maxHeaderCount: e.MAX_HEADER_COUNT,
    maxRequestsPerSocket: e.MAX_REQUESTS_PER_SOCKET,
    postgres: toPostgresConfig(e),
    redis: toRedisConfig(e),
  });
}
