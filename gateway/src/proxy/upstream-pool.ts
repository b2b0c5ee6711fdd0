import { Pool } from 'undici';

export interface UpstreamPoolConfig {
  lbUrl: string;
  upstream: { connections: number; headersTimeoutMs: number; bodyTimeoutMs: number };
}

/** Longest wait for a TCP connection to the balancer (it runs next to the gateway). */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * The keep-alive connection pool to the load balancer. `basePath` is the path part of LB_URL
 * (usually empty), prefixed to every upstream path. No retries here: the balancer retries.
 */
export function createUpstreamPool(config: UpstreamPoolConfig): { pool: Pool; basePath: string } {
  const url = new URL(config.lbUrl);
  const pool = new Pool(url.origin, {
    connections: config.upstream.connections,
    headersTimeout: config.upstream.headersTimeoutMs,
    bodyTimeout: config.upstream.bodyTimeoutMs,
    connect: { timeout: Math.min(CONNECT_TIMEOUT_MS, config.upstream.headersTimeoutMs) },
  });
  return { pool, basePath: url.pathname.replace(/\/+$/, '') };
}
