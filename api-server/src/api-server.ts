import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ResourceRepository, SessionRepository, UserRepository, verifyPassword } from '@floodgate/database';
import {
  type ApiServerConfig,
  CLIENT_CLOSED_REQUEST,
  type Clock,
  createEventBus,
  createLogger,
  createMetricsRegistry,
  createPgPool,
  createRouteServer,
  type EventBus,
  HttpMetrics,
  isFloodgateError,
  type Logger,
  listen,
  type Pool,
  type RouteContext,
  type RouteHandler,
  Router,
  sendError,
  systemClock,
} from '@floodgate/shared';
import type { Registry } from 'prom-client';
import type { AppDeps } from './app-deps.js';
import { createAuthenticator } from './auth/authenticate.js';
import { createResourceCache } from './cache/create-resource-cache.js';
import type { TwoLevelCache } from './cache/two-level-cache.js';
import { ExternalBreaker } from './external/external-breaker.js';
import { createFlakyDependency } from './external/flaky-dependency.js';
import { toPublicError } from './http/public-error.js';
import { IdempotencyPurger } from './idempotency/idempotency-purger.js';
import { IdempotentWrites } from './idempotency/idempotent-writes.js';
import { GracefulStop } from './lifecycle/graceful-stop.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerExternalRoutes } from './routes/external-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerInternalCacheRoutes } from './routes/internal-cache-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';
import { registerResourceRoutes } from './routes/resource-routes.js';
import { registerStatusRoutes } from './routes/status-routes.js';
import { createWebSocketEndpoint } from './websocket/websocket-endpoint.js';

export interface ApiServerDeps {
  /** Used as is and not ended by close() (the caller owns it). Default: a pool from config.postgres. */
  pool?: Pool;
  logger?: Logger;
  clock?: Clock;
  /** Used as is and not closed by close(). Default: Redis pub/sub when configured, else in-process. */
  eventBus?: EventBus;
  /** Uniform [0, 1) source for the simulated external dependency (tests make it fail on demand). */
  random?: () => number;
}

export interface ApiServer {
  server: Server;
  /** Listens on config.host:config.port; resolves with the bound port. */
  listen(): Promise<number>;
  /**
   * Graceful stop (GracefulStop): /health/ready answers 503 SHUTTING_DOWN for `delayMs` (default 0;
   * main passes SHUTDOWN_DELAY_MS), then in-flight requests finish, then what it created is released.
   */
  close(options?: { delayMs?: number }): Promise<void>;
  registry: Registry;
  externalBreaker: ExternalBreaker;
  cache: TwoLevelCache;
}

/** Builds the api-server: routes, repositories and breaker are wired once here, never per request. */
export async function createApiServer(config: ApiServerConfig, deps: ApiServerDeps = {}): Promise<ApiServer> {
  const logger = (deps.logger ?? createLogger({ name: 'api-server', level: config.logLevel })).child({
    instanceId: config.instanceId,
  });
  const clock = deps.clock ?? systemClock;
  const pool =
    deps.pool ?? createPgPool(config.postgres, logger, { applicationName: `floodgate-${config.instanceId}` });
  const ownedBus = deps.eventBus
    ? undefined
    : createEventBus(config.redis, logger, { name: config.instanceId });
  const eventBus = deps.eventBus ?? (ownedBus as { bus: EventBus }).bus;
  const registry = createMetricsRegistry('api-server');
  const httpMetrics = new HttpMetrics(registry);
  const sessions = new SessionRepository(pool);
  const externalBreaker = new ExternalBreaker(
    createFlakyDependency({
      failureRate: config.external.failureRate,
      latencyMs: config.external.latencyMs,
      random: deps.random,
      clock,
    }),
    {
      timeoutMs: config.external.timeoutMs,
      failureThreshold: config.circuit.failureThreshold,
      resetTimeoutMs: config.circuit.resetTimeoutMs,
    },
    { logger, registry },
  );

  const resourceCache = createResourceCache(config, {
    pool,
    clock,
    logger,
    registry,
    random: deps.random,
  });

  const app: AppDeps = {
    config,
    logger,
    clock,
    pool,
    eventBus,
    registry,
    users: new UserRepository(pool),
    sessions,
    resources: new ResourceRepository(pool),
    authenticate: createAuthenticator(sessions),
    externalBreaker,
    cache: resourceCache.cache,
    idempotentWrites: new IdempotentWrites(resourceCache.cache, config.idempotencyTtlMs),
    startedAtMs: clock.monotonic(),
  };
  const idempotencyPurger = new IdempotencyPurger({ pool, clock, logger });
  idempotencyPurger.start();

  // Builds the dummy hash used for unknown emails now, so not even the first such login is faster.
  void verifyPassword('warm-up', null);

  const router = new Router<RouteHandler>();
  registerStatusRoutes(router, app);
  registerResourceRoutes(router, app);
  registerAuthRoutes(router, app);
  registerExternalRoutes(router, app);
  registerHealthRoutes(router, app);
  registerMetricsRoutes(router, app);
  registerInternalCacheRoutes(router, app);

  const fail = (err: unknown, ctx: RouteContext) => {
    const { req, res, requestId, route } = ctx;
    // (req.destroyed alone would not do: a fully read request is destroyed too.)
    if ((req.readableAborted || req.socket.destroyed) && !isFloodgateError(err)) {
      // The client went away mid-request (e.g. while we read its body): nothing to answer, no fault.
      res.statusCode = CLIENT_CLOSED_REQUEST;
      return;
    }
    const publicError = toPublicError(err);
    if (publicError === null) {
      const e = err as { name?: string; message?: string; code?: string; stack?: string };
      logger.error(
        { reqId: requestId, route, err: { type: e.name, message: e.message, code: e.code, stack: e.stack } },
        'unhandled error',
      );
    } else if (publicError.code === 'DEPENDENCY_UNAVAILABLE' && publicError.cause !== undefined) {
      logger.warn(
        { reqId: requestId, route, err: (publicError.cause as Error).message },
        'database unavailable',
      );
    } else if (publicError.code === 'WRITE_OUTCOME_UNKNOWN') {
      logger.error(
        { reqId: requestId, route, err: (publicError.cause as Error | undefined)?.message },
        'write outcome unknown: the connection was lost during the commit and PostgreSQL could not be asked',
      );
    }
    if (publicError?.status === 401) res.setHeader('www-authenticate', 'Bearer');
    // An oversized body is not read to its end; closing is cheaper than draining it.
    if (publicError?.status === 413) res.setHeader('connection', 'close');
    sendError(res, publicError ?? err, requestId);
  };
  const serve = createRouteServer(router, { onError: fail });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const { route, requestId } = await serve(req, res);
    const ms = performance.now() - started;
    const method = req.method ?? 'GET';
    const status = res.statusCode;
    httpMetrics.observe(route, method, status, ms / 1000);
    logger.info({ reqId: requestId, method, route, status, ms: Math.round(ms * 100) / 100 }, 'request');
  };

  const webSockets = createWebSocketEndpoint({
    bus: eventBus,
    instanceId: config.instanceId,
    logger,
    isStopping: () => graceful.stopping,
  });
  webSockets.start().catch((err: unknown) => {
    logger.warn(
      { err: (err as Error).message },
      'websocket rooms not subscribed: messages stay on this instance',
    );
  });
  const graceful = new GracefulStop({
    timeoutMs: config.shutdownTimeoutMs,
    logger,
    clock,
    beforeDrain: () => webSockets.closeAll(),
  });
  const server = createServer((req, res) => {
    if (graceful.intercept(req, res)) return;
    handle(req, res).catch((err: unknown) => {
      // Last resort (a logging or metrics failure): never an unhandled rejection.
      logger.error({ err: (err as Error)?.message }, 'request handling failed');
      if (!res.headersSent) sendError(res, err, 'unknown');
      else res.destroy();
    });
  });
  server.on('upgrade', webSockets.handleUpgrade);

  let closing: Promise<void> | undefined;
  return {
    server,
    registry,
    externalBreaker,
    cache: resourceCache.cache,
    listen: async () => {
      const port = await listen(server, config.port, config.host);
      logger.info({ port, host: config.host }, 'api-server listening');
      return port;
    },
    close(options) {
      closing ??= (async () => {
        await graceful.stop(server, options?.delayMs ?? 0);
        webSockets.close();
        externalBreaker.shutdown();
        idempotencyPurger.stop();
        await resourceCache.close();
        await ownedBus?.close();
        if (!deps.pool) await pool.end();
      })();
      return closing;
    },
  };
}
