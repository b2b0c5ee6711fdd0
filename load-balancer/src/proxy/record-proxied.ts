import type { ProxyDeps } from './proxy-deps.js';

/** Route label for proxied requests: one value, so the metric label set stays bounded. */
const PROXY_ROUTE = '/*';

const MAX_LOGGED_PATH = 200;

/**
 * Records one proxied request once it is over: the access-log line (reqId, method, path without query
 * string, truncated to 200 chars, status, ms, backend, retries) and the HTTP metrics.
 */
export function recordProxied(
  deps: ProxyDeps,
  requestId: string,
  method: string,
  url: string,
  status: number,
  startMs: number,
  backendId: string | null,
  retries = 0,
): void {
  const ms = deps.clock.monotonic() - startMs;
  deps.metrics.http.observe(PROXY_ROUTE, method, status, ms / 1000);
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  if (path.length > MAX_LOGGED_PATH) path = path.slice(0, MAX_LOGGED_PATH);
  const line = {
    reqId: requestId,
    method,
    path,
    status,
    ms: Math.round(ms * 100) / 100,
    backend: backendId,
    retries,
  };
  deps.accessLog.info(line);
}
