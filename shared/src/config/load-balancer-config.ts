import { z } from 'zod';
import { type CommonConfig, CommonEnv, toCommonConfig } from './common-config.js';
import { httpUrlList, port, positiveInt } from './env-types.js';
import { parseEnv } from './parse-env.js';

export const LoadBalancerEnv = z.object({
  ...CommonEnv.shape,
  LB_PORT: port(3000),
  /** Comma-separated backend base URLs. */
  API_SERVERS: httpUrlList('http://localhost:3001,http://localhost:3002,http://localhost:3003'),
  LB_ALGORITHM: z.enum(['round-robin']).default('round-robin'),
  /** Keep-alive connections per backend. */
  UPSTREAM_CONNECTIONS: positiveInt(64),
  UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt(2000),
  /** Time to first response byte from a backend (undici headersTimeout). */
  UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt(30_000),
  /** Max idle time between body chunks from a backend (undici bodyTimeout). */
  UPSTREAM_BODY_TIMEOUT_MS: positiveInt(30_000),
  CIRCUIT_FAILURE_THRESHOLD: positiveInt(5),
  CIRCUIT_RESET_TIMEOUT: positiveInt(30_000),
});

export interface LoadBalancerConfig extends CommonConfig {
  port: number;
  backends: readonly string[];
  algorithm: 'round-robin';
  upstream: {
    connections: number;
    connectTimeoutMs: number;
    headersTimeoutMs: number;
    bodyTimeoutMs: number;
  };
  circuit: { failureThreshold: number; resetTimeoutMs: number };
}

export function loadLoadBalancerConfig(
  env: Record<string, string | undefined> = process.env,
): LoadBalancerConfig {
  const e = parseEnv('load-balancer', LoadBalancerEnv, env);
  return Object.freeze({
    ...toCommonConfig(e),
    port: e.LB_PORT,
    backends: Object.freeze([...e.API_SERVERS]),
    algorithm: e.LB_ALGORITHM,
    upstream: {
      connections: e.UPSTREAM_CONNECTIONS,
      connectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.UPSTREAM_BODY_TIMEOUT_MS,
    },
    circuit: { failureThreshold: e.CIRCUIT_FAILURE_THRESHOLD, resetTimeoutMs: e.CIRCUIT_RESET_TIMEOUT },
  });
}
