import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type Clock,
  createLogger,
  createMetricsHandler,
  createMetricsRegistry,
  FloodgateError,
  type LoadBalancerConfig,
  type Logger,
  listen,
  REQUEST_ID_HEADER,
  Router,
  resolveRequestId,
  sendError,
  shutdownServer,
  systemClock,
} from '@floodgate/shared';
import { BackendPool } from './backends/backend-pool.js';
import { createBalancer } from './balancers/create-balancer.js';
import { LoadBalancerMetrics } from './metrics/load-balancer-metrics.js';
import type { ProxyDeps } from './proxy/proxy-deps.js';
import { RequestForwarder } from './proxy/request-forwarder.js';
import { createHealthHandler } from './routes/health-route.js';
import { createLbStatusHandler } from './routes/lb-status-route.js';

export interface LoadBalancerDeps {
  logger?: Logger;
  clock?: Clock;
}

export interface LoadBalancer {
  server: Server;
  pool: BackendPool;
  /** Listens on `config.host:config.port`; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting requests, lets in-flight ones finish (up to the shutdown timeout), closes upstreams. */
  close(): Promise<void>;
}

type LocalHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Route label for unknown paths under /lb/ (bounded). */
const UNKNOWN_LOCAL_ROUTE = '/lb/*';
const NOT_FOUND = new FloodgateError('NOT_FOUND');
const METHOD_NOT_ALLOWED = new FloodgateError('METHOD_NOT_ALLOWED');

/**
 * The load balancer: `/lb/*`, `/health` and `/metrics` are answered here; every other request is
 * forwarded to a backend chosen by the configured balancer.
 */
export function createLoadBalancer(config: LoadBalancerConfig, deps: LoadBalancerDeps = {}): LoadBalancer {
  const logger = deps.logger ?? createLogger({ name: 'load-balancer', level: config.logLevel });
  const clock = deps.clock ?? systemClock;
  const pool = new BackendPool(createBalancer(config.algorithm), config.upstream, config.backends);
  const registry = createMetricsRegistry('load-balancer');
  const metrics = new LoadBalancerMetrics(registry, pool);
  const proxyDeps: ProxyDeps = { logger, clock, metrics };
  const forwarder = new RequestForwarder(pool, proxyDeps);

  const router = new Router<LocalHandler>()
    .add('GET', '/lb/status', createLbStatusHandler(pool, clock))
    .add('GET', '/health', createHealthHandler(pool))
    .add('GET', '/metrics', createMetricsHandler(registry));

  async function handleLocal(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const startMs = clock.monotonic();
    const method = req.method as string;
    const found = router.find(method, path);
    let route = UNKNOWN_LOCAL_ROUTE;
    try {
      if (found.kind === 'found') {
        route = found.match.route;
        await found.match.handler(req, res);
      } else {
        const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
        res.setHeader(REQUEST_ID_HEADER, requestId);
        if (found.kind === 'method-not-allowed') res.setHeader('allow', found.allowed.join(', '));
        sendError(res, found.kind === 'not-found' ? NOT_FOUND : METHOD_NOT_ALLOWED, requestId);
      }
    } catch (err) {
      const requestId = resolveRequestId(req.headers[REQUEST_ID_HEADER]);
      logger.error({ err, reqId: requestId, route }, 'local route failed');
      sendError(res, err, requestId);
    }
    metrics.http.observe(route, method, res.statusCode, (clock.monotonic() - startMs) / 1000);
  }

  const server = createServer((req, res) => {
    const path = localPath(req.url as string);
    if (path === null) forwarder.handle(req, res);
    else void handleLocal(req, res, path);
  });

  let closing: Promise<void> | undefined;
  return {
    server,
    pool,
    async listen() {
      const port = await listen(server, config.port, config.host);
      logger.info(
        { port, algorithm: pool.balancer.name, backends: pool.backends.map((b) => `${b.id}=${b.url}`) },
        'load balancer listening',
      );
      return port;
    },
    close() {
      closing ??= (async () => {
        await shutdownServer(server, config.shutdownTimeoutMs);
        await pool.close();
      })();
      return closing;
    },
  };
}

/** The path when `url` is a local route ("/lb/...", "/health", "/metrics"), otherwise null. */
function localPath(url: string): string | null {
  if (!(url.startsWith('/lb/') || url.startsWith('/health') || url.startsWith('/metrics'))) return null;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.startsWith('/lb/') || path === '/health' || path === '/metrics' ? path : null;
}
