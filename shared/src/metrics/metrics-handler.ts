import type { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Serves the registry in the Prometheus text format: a route handler for `createRouteServer`, and a
 * gateway stage's body (anything carrying the response).
 */
export function createMetricsHandler(registry: Registry): (ctx: { res: ServerResponse }) => Promise<void> {
  return async ({ res }) => {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
}
