import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type Clock,
  createLogger,
  createMetricsHandler,
  createMetricsRegistry,
  createRouteServer,
  drainServer,
  isFloodgateError,
  type LoadBalancerConfig,
  type Logger,
  listen,
  type RouteHandler,
  Router,
  sendError,
  systemClock,
} from '@floodgate/shared';
import { ADMIN_PREFIX, createAdminHandler } from './admin/create-admin-handler.js';
import { BackendPool } from './backends/backend-pool.js';
import { createBalancer } from './balancers/create-balancer.js';
import { BackendBreaker, type CircuitState } from './breakers/backend-breaker.js';
import { BucketRotation } from './breakers/bucket-rotation.js';
import { HealthChecker, type HealthCheckResult } from './health/health-checker.js';
import type { Probe } from './health/http-probe.js';
import { LoadBalancerMetrics } from './metrics/load-balancer-metrics.js';
import type { Lifecycle, ProxyDeps } from './proxy/proxy-deps.js';
import { RequestForwarder } from './proxy/request-forwarder.js';
import { RetryBudget } from './proxy/retry-budget.js';
import { createHealthHandler } from './routes/health-route.js';
import { createLbStatusHandler } from './routes/lb-status-route.js';
import { WebSocketProxy } from './websocket/websocket-proxy.js';

export interface LoadBalancerDeps {
  logger?: Logger;
  /** Schedules health checks and breaker windows. @default systemClock */
  clock?: Clock;
  /** Health-check probe. @default an HTTP GET of HEALTH_CHECK_PATH */
  probe?: Probe;
}

/** Events a LoadBalancer emits (`lb.events.on(name, listener)`), for logs, dashboards and tests. */
export interface LoadBalancerEvents {
  /** A backend's breaker changed state (`forced`: an operator opened it). */
  'breaker:state': [change: { backend: string; state: CircuitState; forced: boolean }];
  /** One active health-check probe finished (every HEALTH_CHECK_INTERVAL_MS per backend). */
  'health:check': [result: HealthCheckResult];
  /** The health checker flipped a backend's verdict. */
  'backend:health': [change: { backend: string; healthy: boolean; verdict: string }];
}

export interface LoadBalancer {
  server: Server;
  pool: BackendPool;
  events: EventEmitter<LoadBalancerEvents>;
  healthChecker: HealthChecker;
  webSockets: WebSocketProxy;
  /** Listens on `config.host:config.port` and starts the health checks; resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop: refuses new connections, answers in-flight requests (with `Connection: close`),
   * stops health checks, closes WebSocket tunnels and upstream pools; cuts whatever is left after
   * SHUTDOWN_TIMEOUT_MS. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The load balancer: `/lb/*` (status, admin), `/health` and `/metrics` are answered here; every other
 * request is forwarded to an available backend chosen by the configured balancer, with retries;
 * WebSocket upgrades are tunnelled to a sticky backend. Health checks and breakers decide availability.
 */
export function createLoadBalancer(config: LoadBalancerConfig, deps: LoadBalancerDeps = {}): LoadBalancer {
  const logger = deps.logger ?? createLogger({ name: 'load-balancer', level: config.logLevel });
  const clock = deps.clock ?? systemClock;
  const lifecycle: Lifecycle = { closing: false };
  const events = new EventEmitter<LoadBalancerEvents>();
  const rotation = new BucketRotation(clock, config.circuit.rollingWindowMs);
  const pool = new BackendPool(createBalancer(config.algorithm), config.upstream, config.backendSpecs, {
    createBreaker: (id) =>
      new BackendBreaker(id, config.circuit, {
        clock,
        rotation,
        onStateChange: (backend, state, forced) => {
          if (state === 'open') logger.warn({ backend, forced }, 'circuit opened');
          else
            logger.info({ backend, state, forced }, `circuit ${state === 'closed' ? 'closed' : 'half-open'}`);
          events.emit('breaker:state', { backend, state, forced });
        },
      }),
  });
  const registry = createMetricsRegistry('load-balancer');
  const metrics = new LoadBalancerMetrics(registry, pool);

  const healthChecker = new HealthChecker(pool, config.healthCheck, {
    clock,
    ...(deps.probe ? { probe: deps.probe } : {}),
    onResult: (result) => {
      metrics.health.record(result);
      events.emit('health:check', result);
      if (!result.changed) return;
      const fields = { backend: result.backendId, verdict: result.verdict, status: result.status };
      if (result.healthy) logger.info(fields, 'backend healthy');
      else logger.warn(fields, 'backend unhealthy');
      events.emit('backend:health', {
        backend: result.backendId,
        healthy: result.healthy,
        verdict: result.verdict,
      });
    },
  });
  for (const b of pool.backends) healthChecker.add(b);
  pool.subscribe({
    added: (b) => {
      healthChecker.add(b);
      logger.info({ backend: b.id, url: b.url, weight: b.weight }, 'backend added');
    },
    removed: (b) => {
      healthChecker.remove(b.id);
      logger.info({ backend: b.id, url: b.url }, 'backend removed');
    },
  });

  const proxyDeps: ProxyDeps = {
    logger,
    accessLog: logger.child({}, { redact: [] }),
    clock,
    metrics,
    pool,
    budget: new RetryBudget(config.retry.budgetRatio, config.retry.budgetMin, clock),
    settings: {
      maxRetries: config.retry.maxRetries,
      retryBodyLimitBytes: config.retry.bodyLimitBytes,
      tryTimeoutMs: Math.min(config.timeouts.tryMs, config.upstream.headersTimeoutMs),
      requestTimeoutMs: config.timeouts.requestMs,
    },
    lifecycle,
  };
  const forwarder = new RequestForwarder(proxyDeps);
  const webSockets = new WebSocketProxy(pool, { logger, lifecycle });
  const admin = createAdminHandler(pool, { token: config.adminToken, logger });

  const router = new Router<RouteHandler>()
    .add('GET', '/lb/status', createLbStatusHandler(pool, clock))
    .add('GET', '/health', createHealthHandler(pool))
    .add('GET', '/metrics', createMetricsHandler(registry));

  const serveLocal = createRouteServer(router, {
    onError: (err, ctx) => {
      if (!isFloodgateError(err)) {
        logger.error({ err, reqId: ctx.requestId, route: ctx.route }, 'local route failed');
      }
      sendError(ctx.res, err, ctx.requestId);
    },
  });

  async function handleLocal(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const startMs = clock.monotonic();
    const route = path.startsWith(ADMIN_PREFIX) ? await admin(req, res) : (await serveLocal(req, res)).route;
    metrics.http.observe(route, req.method as string, res.statusCode, (clock.monotonic() - startMs) / 1000);
  }

  const server = createServer((req, res) => {
    if (lifecycle.closing) res.setHeader('connection', 'close');
    const path = localPath(req.url as string);
    if (path === null) forwarder.handle(req, res);
    else void handleLocal(req, res, path);
  });
  server.on('upgrade', (req, socket, head) => webSockets.handleUpgrade(req, socket, head));

  let closing: Promise<void> | undefined;
  return {
    server,
    pool,
    events,
    healthChecker,
    webSockets,
    async listen() {
      const port = await listen(server, config.port, config.host);
      rotation.start();
      healthChecker.start();
      logger.info(
        {
          port,
          algorithm: pool.balancer.name,
          backends: pool.backends.map((b) => `${b.id}=${b.url}${b.weight === 1 ? '' : `|w=${b.weight}`}`),
          admin: config.adminToken === null ? 'loopback only' : 'bearer token',
        },
        'load balancer listening',
      );
      return port;
    },
    close() {
      closing ??= (async () => {
        lifecycle.closing = true;
        logger.info({ deadlineMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
        const checksStopped = healthChecker.close();
        rotation.stop();
        // Tunnels have no request to finish, and would hold server.close() open until the deadline.
        webSockets.closeAll();
        await drainServer(server, config.shutdownTimeoutMs, () => {
          logger.warn('shutdown deadline reached: cutting the connections still open');
          webSockets.closeAll();
        });
        await Promise.all([pool.close(), checksStopped]);
        logger.info('stopped');
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
