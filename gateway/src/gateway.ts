import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SessionRepository } from '@floodgate/database';
import {
  type Clock,
  createLogger,
  createPgPool,
  type EventBus,
  type GatewayConfig,
  type Logger,
  listen,
  type Pool,
  shutdownServer,
  systemClock,
} from '@floodgate/shared';
import { SessionVerifier } from './auth/session-verifier.js';
import { createEventBus } from './events/create-event-bus.js';
import { createGatewayPipelines } from './gateway-pipelines.js';
import { GatewayRouter } from './gateway-router.js';
import { GatewayResponse } from './http/gateway-response.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';
import { GatewayStats } from './observability/gateway-stats.js';
import { RequestObserver } from './observability/request-observer.js';
import { createErrorResponder } from './pipeline/error-responder.js';
import { RequestContext } from './pipeline/request-context.js';
import { createUpstreamPool } from './proxy/upstream-pool.js';

export interface GatewayDeps {
  logger?: Logger;
  /** PostgreSQL pool for session lookups; created from config (and closed by the gateway) if absent. */
  pool?: Pool;
  /** Revocation bus; from config (Redis or in-process) if absent. An injected bus is not closed. */
  eventBus?: EventBus;
  clock?: Clock;
}

export interface Gateway {
  readonly server: Server;
  readonly sessions: SessionVerifier;
  /** Listens on config.host:config.port; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting, finishes in-flight requests (up to shutdownTimeoutMs), releases connections. */
  close(): Promise<void>;
}

/**
 * Builds the gateway: session verification with revocation, the route-group pipelines, the
 * upstream pool and the HTTP server with its size and time limits. Nothing listens until `listen`.
 */
export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger({ name: 'gateway', level: config.logLevel });
  const clock = deps.clock ?? systemClock;
  const startedAtMs = clock.monotonic();
  const pgPool = deps.pool ?? createPgPool(config.postgres, logger, { applicationName: 'floodgate-gateway' });
  const ownedBus = deps.eventBus ? null : createEventBus(config.redis, logger);
  const bus = deps.eventBus ?? (ownedBus as { bus: EventBus }).bus;

  const sessions = new SessionVerifier(new SessionRepository(pgPool), {
    cacheSize: config.sessionCache.size,
    cacheTtlMs: config.sessionCache.ttlMs,
    clock,
    logger,
  });
  const unsubscribe = await subscribeWithin(sessions, bus, config.redis.connectTimeoutMs, logger);

  const { pool: upstream, basePath } = createUpstreamPool(config);
  const stats = new GatewayStats();
  const metrics = new GatewayMetrics(stats);
  const respond = createErrorResponder(logger);
  const pipelines = createGatewayPipelines(config, {
    respond,
    sessions,
    upstream,
    basePath,
    registry: metrics.registry,
    stats,
    clock,
    startedAtMs,
  });
  const router = new GatewayRouter(pipelines);
  const observer = new RequestObserver({ clock, logger, stats, metrics });

  // Shared by every response: the context rides on the response object, so no per-request closure.
  function onResponseClose(this: GatewayResponse): void {
    const ctx = this.context as RequestContext;
    ctx.closed = true;
    ctx.upstream?.abortIfPending();
    observer.finished(ctx);
  }

  function onRequest(req: IncomingMessage, res: GatewayResponse): void {
    const ctx = new RequestContext(req, res, clock.monotonic());
    res.context = ctx;
    observer.started();
    res.on('close', onResponseClose);
    router.select(ctx).run(ctx);
  }

  const server = createServer(
    {
      ServerResponse: GatewayResponse,
      maxHeaderSize: config.maxHeaderBytes,
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // How often Node enforces the two timeouts above (its default, 30 s, would stretch them).
      connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
    },
    onRequest,
  );

  let closing: Promise<void> | null = null;
  return {
    server,
    sessions,
    async listen() {
      const port = await listen(server, config.port, config.host);
      logger.info({ port, host: config.host, lbUrl: config.lbUrl }, 'gateway listening');
      return port;
    },
    close() {
      closing ??= (async () => {
        await shutdownServer(server, config.shutdownTimeoutMs);
        await upstream.close();
        unsubscribe?.();
        await ownedBus?.close();
        if (!deps.pool) await pgPool.end();
      })();
      return closing;
    },
  };
}

/**
 * Subscribes to session revocations, waiting at most `waitMs`: a Redis that is down at startup must
 * not keep the gateway from serving (the subscription completes when Redis comes back; meanwhile
 * revocations from other processes are bounded by the session cache TTL).
 */
async function subscribeWithin(
  sessions: SessionVerifier,
  bus: EventBus,
  waitMs: number,
  logger: Logger,
): Promise<(() => void) | null> {
  const subscribed = sessions.subscribe(bus);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
    timer.unref();
  });
  const result = await Promise.race([subscribed, timedOut]).finally(() => clearTimeout(timer));
  if (result === null) {
    logger.warn('session revocation channel not subscribed yet (Redis unreachable); continuing');
    // It completes once Redis is reachable (ioredis queues SUBSCRIBE); closing the bus ends it.
    subscribed.catch((err: unknown) => logger.warn({ err: String(err) }, 'revocation subscribe failed'));
  }
  return result;
}
