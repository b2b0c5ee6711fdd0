import { z } from 'zod';
import { type CommonConfig, CommonEnv, toCommonConfig } from './common-config.js';
import { httpUrl, optionalString, port, positiveInt, ratio } from './env-types.js';
import { parseEnv } from './parse-env.js';

/** One configured backend: its origin and its weight (used by weighted round robin). */
export interface BackendSpec {
  url: string;
  weight: number;
}

/** Balancing algorithms `LB_ALGORITHM` accepts. */
export const LB_ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'power-of-two-choices',
] as const;

export type LbAlgorithm = (typeof LB_ALGORITHMS)[number];

const MAX_BACKEND_WEIGHT = 1000;
const DEFAULT_BACKENDS = 'http://localhost:3001,http://localhost:3002,http://localhost:3003';

/** Splits `API_SERVERS` into its entries. */
function backendEntries(raw: string): string[] {
  return raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** `url` or `url|w=N` → the URL (trailing slashes removed) and weight, or a message saying what is wrong. */
function parseBackendEntry(entry: string): BackendSpec | string {
  const bar = entry.indexOf('|');
  const url = (bar === -1 ? entry : entry.slice(0, bar)).trim().replace(/\/+$/, '');
  let weight = 1;
  if (bar !== -1) {
    const m = /^w=(\d{1,4})$/.exec(entry.slice(bar + 1).trim());
    weight = m ? Number(m[1]) : 0;
    if (weight < 1 || weight > MAX_BACKEND_WEIGHT) {
      return `weight must be written |w=N with N in 1..${MAX_BACKEND_WEIGHT}: ${entry}`;
    }
  }
  if (!httpUrl.safeParse(url).success) return `not an http(s) URL: ${url}`;
  return { url, weight };
}

/** Comma-separated `url` or `url|w=N` entries; the parsed value is the URL list (weights: parseBackendEntry). */
const backendList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      const urls: string[] = [];
      for (const entry of backendEntries(s)) {
        const spec = parseBackendEntry(entry);
        if (typeof spec === 'string') ctx.addIssue({ code: 'custom', message: spec });
        else urls.push(spec.url);
      }
      return urls;
    })
    .pipe(z.array(z.string()).min(1));

export const LoadBalancerEnv = z.object({
  ...CommonEnv.shape,
  LB_PORT: port(3000),
  /**
   * Comma-separated backend base URLs, each optionally weighted with `|w=N` (1..1000, default 1),
   * e.g. `http://a:3001|w=3,http://b:3002`. Weights matter to weighted-round-robin only.
   */
  API_SERVERS: backendList(DEFAULT_BACKENDS),
  /** round-robin | weighted-round-robin (smooth, nginx-style) | least-connections | power-of-two-choices. */
  LB_ALGORITHM: z.enum(LB_ALGORITHMS).default('round-robin'),
  /** Keep-alive connections per backend. */
  UPSTREAM_CONNECTIONS: positiveInt(64),
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(2000),
  /** Time to first response byte from a backend (undici headersTimeout). */
  UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt(30_000),
  /** Max idle time between body chunks from a backend (undici bodyTimeout). */
  UPSTREAM_BODY_TIMEOUT_MS: positiveInt(30_000),
  CIRCUIT_FAILURE_THRESHOLD: positiveInt(5),
  CIRCUIT_RESET_TIMEOUT: positiveInt(30_000),
  /** Breaker opens when more than this % of requests in the rolling window failed (and the volume is met). */
  CIRCUIT_ERROR_THRESHOLD_PERCENTAGE: z.coerce.number().int().min(1).max(100).default(50),
  /** Requests a backend's rolling window must hold before the failure ratio can open its breaker. */
  CIRCUIT_VOLUME_THRESHOLD: positiveInt(20),
  /** Length of the breaker's rolling window (10 buckets). */
  CIRCUIT_ROLLING_WINDOW_MS: positiveInt(10_000),
  /** Trial requests a half-open breaker lets through at once; the first outcome closes or reopens it. */
  CIRCUIT_HALF_OPEN_REQUESTS: positiveInt(1),
  /** Active health check: the path probed with GET on every backend. */
  HEALTH_CHECK_PATH: z.string().startsWith('/').default('/health/ready'),
  /** Time between two probes of one backend (each delay jittered by ±HEALTH_CHECK_JITTER/2). */
  HEALTH_CHECK_INTERVAL_MS: positiveInt(2000),
  /** A probe without a complete answer after this counts as a failure. */
  HEALTH_CHECK_TIMEOUT_MS: positiveInt(1000),
  /** Consecutive passing probes that make an unhealthy backend healthy. */
  HEALTH_CHECK_RISE: positiveInt(2),
  /** Consecutive failing probes that make a healthy backend unhealthy (1 for a 503 SHUTTING_DOWN). */
  HEALTH_CHECK_FALL: positiveInt(2),
  /** Spread of probe delays as a fraction of the interval, so probes of many balancers do not align. */
  HEALTH_CHECK_JITTER: ratio(0.2),
  /** Per try: time to a backend's response headers; a timed-out try may be retried on another backend. */
  LB_TRY_TIMEOUT_MS: positiveInt(10_000),
  /** Whole request: time from arrival to response headers, across all tries. */
  LB_REQUEST_TIMEOUT_MS: positiveInt(30_000),
  /** Retries per request, each on a different backend (0 disables retries). */
  LB_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
  /** Retry budget: retries over the last 10 s ≤ this share of the client requests of those 10 s… */
  LB_RETRY_BUDGET_RATIO: ratio(0.2),
  /** …plus this many, so a quiet balancer can still retry. */
  LB_RETRY_BUDGET_MIN: z.coerce.number().int().min(0).default(3),
  /** Request bodies up to this size are buffered so a retry resends the same bytes; larger ones are never retried. */
  LB_RETRY_BODY_LIMIT_BYTES: z.coerce.number().int().min(0).default(65_536),
  /** Bearer token for /lb/admin/*; unset = admin API answers loopback clients only. */
  LB_ADMIN_TOKEN: optionalString,
});

export interface LoadBalancerConfig extends CommonConfig {
  port: number;
  /** Backend URLs in configuration order (weights stripped; see `backendSpecs`). */
  backends: readonly string[];
  /** Backend URLs with their weights, in configuration order. */
  backendSpecs: readonly BackendSpec[];
  algorithm: LbAlgorithm;
  upstream: {
    connections: number;
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
  };
  circuit: {
    failureThreshold: number;
    resetTimeoutMs: number;
    errorThresholdPercentage: number;
    volumeThreshold: number;
    rollingWindowMs: number;
    halfOpenRequests: number;
  };
  healthCheck: {
    path: string;
    intervalMs: number;
    timeoutMs: number;
    rise: number;
    fall: number;
    jitter: number;
  };
  timeouts: { tryMs: number; requestMs: number };
  retry: { maxRetries: number; budgetRatio: number; budgetMin: number; bodyLimitBytes: number };
  /** null: the admin API answers loopback clients only. */
  adminToken: string | null;
}

export function loadLoadBalancerConfig(
  env: Record<string, string | undefined> = process.env,
): LoadBalancerConfig {
  const e = parseEnv('load-balancer', LoadBalancerEnv, env);
  const specs = backendEntries(env.API_SERVERS || DEFAULT_BACKENDS).map((entry) =>
    Object.freeze(parseBackendEntry(entry) as BackendSpec),
  );
  return Object.freeze({
    ...toCommonConfig(e),
    port: e.LB_PORT,
    backends: Object.freeze(specs.map((s) => s.url)),
    backendSpecs: Object.freeze(specs),
    algorithm: e.LB_ALGORITHM,
    upstream: {
      connections: e.UPSTREAM_CONNECTIONS,
      connectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.UPSTREAM_BODY_TIMEOUT_MS,
    },
    circuit: {
      failureThreshold: e.CIRCUIT_FAILURE_THRESHOLD,
      resetTimeoutMs: e.CIRCUIT_RESET_TIMEOUT,
      errorThresholdPercentage: e.CIRCUIT_ERROR_THRESHOLD_PERCENTAGE,
      volumeThreshold: e.CIRCUIT_VOLUME_THRESHOLD,
      rollingWindowMs: e.CIRCUIT_ROLLING_WINDOW_MS,
      halfOpenRequests: e.CIRCUIT_HALF_OPEN_REQUESTS,
    },
    healthCheck: {
      path: e.HEALTH_CHECK_PATH,
      intervalMs: e.HEALTH_CHECK_INTERVAL_MS,
      timeoutMs: e.HEALTH_CHECK_TIMEOUT_MS,
      rise: e.HEALTH_CHECK_RISE,
      fall: e.HEALTH_CHECK_FALL,
      jitter: e.HEALTH_CHECK_JITTER,
    },
    timeouts: { tryMs: e.LB_TRY_TIMEOUT_MS, requestMs: e.LB_REQUEST_TIMEOUT_MS },
    retry: {
      maxRetries: e.LB_RETRIES,
      budgetRatio: e.LB_RETRY_BUDGET_RATIO,
      budgetMin: e.LB_RETRY_BUDGET_MIN,
      bodyLimitBytes: e.LB_RETRY_BODY_LIMIT_BYTES,
    },
    adminToken: e.LB_ADMIN_TOKEN ?? null,
  });
}
