import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { ApiKeyRepository, createApiKeyHasher, SessionRepository } from '@floodgate/database';
import {
  type Clock,
  createEventBus,
  createLogger,
  createPgPool,
  createRedisClient,
  type EventBus,
  type GatewayConfig,
  type Logger,
  listen,
  type Pool,
  type Redis,
  shutdownServer,
  systemClock,
  TIERS,
} from '@floodgate/shared';
import { createApiKeyAdminRoutes } from './admin/api-keys.js';
import { createBalancerAdminRoutes } from './admin/balancer-admin.js';
import { createCacheAdminRoutes } from './admin/cache-admin.js';
import { createOpenApiAdminRoutes } from './admin/openapi-route.js';
import { createRateLimitAdminRoutes } from './admin/rate-limits.js';
import { AdmissionController } from './admission/admission-controller.js';
import { AdmissionMetrics } from './admission/admission-metrics.js';
import { ApiKeyVerifier } from './auth/api-key-verifier.js';
import { ClientIpResolver } from './auth/client-ip.js';
import { SessionVerifier } from './auth/session-verifier.js';
import { createGatewayPipelines } from './gateway-pipelines.js';
import { GatewayRouter } from './gateway-router.js';
import { createClientErrorHandler } from './http/client-error-handler.js';
import { GatewayResponse } from './http/gateway-response.js';
import { GatewayMetrics } from './observability/gateway-metrics.js';
import { GatewayStats } from './observability/gateway-stats.js';
import { RequestObserver } from './observability/request-observer.js';
import { createErrorResponder } from './pipeline/error-responder.js';
import { RequestContext } from './pipeline/request-context.js';
import { createUpstreamPool } from './proxy/upstream-pool.js';
import { Limiter } from './rate-limit/limiter.js';
import { LiveGateways } from './rate-limit/live-gateways.js';
import { MemoryRateLimitStore } from './rate-limit/memory-store.js';
import { RateLimitMetrics } from './rate-limit/rate-limit-metrics.js';
import { createRateLimitPolicies } from './rate-limit/rate-limit-policies.js';
import { RedisRateLimitStore } from './rate-limit/redis-store.js';
import { UsageTracker } from './rate-limit/usage-tracker.js';
import { WebSocketUpgrades } from './websocket/websocket-upgrades.js';

export interface GatewayDeps {
  logger?: Logger;
  /** PostgreSQL pool for session and key lookups; created from config (and closed by the gateway) if absent. */
  pool?: Pool;
  /** Revocation bus; from config (Redis or in-process) if absent. An injected bus is not closed. */
  eventBus?: EventBus;
  clock?: Clock;
}

export interface Gateway {
  readonly server: Server;
  readonly sessions: SessionVerifier;
  readonly apiKeys: ApiKeyVerifier;
  /** Null when RATE_LIMIT_ENABLED=false. */
  readonly limiter: Limiter | null;
  readonly admission: AdmissionController;
  /** Listens on config.host:config.port; resolves with the bound port. */
  listen(): Promise<number>;
  /** Stops accepting, finishes in-flight requests (up to shutdownTimeoutMs), releases connections. */
  close(): Promise<void>;
}

/**
 * Builds the gateway: session and API-key verification with revocation, the rate limiter (Redis,
 * with its in-process fallback and heartbeat), admission control, the route-group pipelines, the
 * upstream pool and the HTTP server with its size and time limits. Nothing listens until `listen`.
 */
export async function createGateway(config: GatewayConfig, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger({ name: 'gateway', level: config.logLevel });
  const clock = deps.clock ?? systemClock;
  const startedAtMs = clock.monotonic();
  if (config.apiKeys.devSecret) {
    logger.warn(
      'API_KEY_SECRET is not set: API keys are hashed with the public development secret. ' +
        'Fine for a laptop, never for anything real (NODE_ENV=production refuses to start without it).',
    );
  }
  const pgPool = deps.pool ?? createPgPool(config.postgres, logger, { applicationName: 'floodgate-gateway' });
  const ownedBus = deps.eventBus ? null : createEventBus(config.redis, logger, { name: 'gateway' });
  const bus = deps.eventBus ?? (ownedBus as { bus: EventBus }).bus;

  const sessions = new SessionVerifier(new SessionRepository(pgPool), {
    cacheSize: config.sessionCache.size,
    cacheTtlMs: config.sessionCache.ttlMs,
    clock,
    logger,
  });
  const keyRepository = new ApiKeyRepository(pgPool);
  const apiKeys = new ApiKeyVerifier(keyRepository, {
    secret: config.apiKeys.secret,
    cacheSize: config.apiKeys.cacheSize,
    cacheTtlMs: config.apiKeys.cacheTtlMs,
    lastUsedFlushMs: config.apiKeys.lastUsedFlushMs,
    clock,
    logger,
  });
  const unsubscribe = await subscribeWithin(
    [sessions.subscribe(bus), apiKeys.subscribe(bus)],
    config.redis.connectTimeoutMs,
    logger,
  );

  const { pool: upstream, basePath } = createUpstreamPool(config);
  const stats = new GatewayStats();
  const metrics = new GatewayMetrics(stats);
  const respond = createErrorResponder(logger);
  const clientIp = new ClientIpResolver(config.trustProxy);

  const policies = createRateLimitPolicies(config);
  const rl = config.limiter.enabled ? await createRateLimiting(config, metrics, clock, logger) : null;
  const usage = rl ? new UsageTracker({ clock }) : null;

  let admission: AdmissionController | null = null;
  const admissionMetrics = new AdmissionMetrics(metrics.registry, () => admission);
  admission = new AdmissionController({
    maxInFlight: config.admission.maxInFlight,
    queueSize: config.admission.queueSize,
    queueTimeoutMs: config.admission.queueTimeoutMs,
    ranks: TIERS.length,
    clock,
    onShed: (rank, reason) => admissionMetrics.shed(TIERS[rank] as string, reason),
  });
  const admissionController = admission;

  const pipelines = createGatewayPipelines(config, {
    respond,
    sessions,
    apiKeys,
    upstream,
    basePath,
    clientIp,
    rateLimit: rl ? { limiter: rl.limiter, policies, usage: usage ?? undefined } : null,
    admission: admissionController,
    adminRoutes: [
      ...createApiKeyAdminRoutes({
        repository: keyRepository,
        hash: createApiKeyHasher(config.apiKeys.secret),
        verifier: apiKeys,
        bus,
        logger,
      }),
      ...createRateLimitAdminRoutes({
        enabled: rl !== null,
        policies,
        limiter: rl?.limiter ?? null,
        liveGateways: () => rl?.liveGateways?.count ?? 1,
        usage,
      }),
      ...createCacheAdminRoutes({ upstream, basePath, internalToken: config.internalToken }),
      ...createBalancerAdminRoutes({ upstream, basePath, token: config.lbAdminToken }),
      ...createOpenApiAdminRoutes(),
    ],
    dashboardExtras: () => ({
      rateLimit: { mode: rl?.limiter.mode ?? 'off', liveGateways: rl?.liveGateways?.count ?? 1 },
      admission: { inFlight: admissionController.inFlight, queued: admissionController.queued },
    }),
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
    if (ctx.admitted) {
      ctx.admitted = false;
      admissionController.release();
    }
    observer.finished(ctx);
  }

  // Requests served per keep-alive connection. Node's own maxRequestsPerSocket announces the close
  // but leaves the socket open; not keeping the last response alive closes it for real.
  const maxPerSocket = config.maxRequestsPerSocket;
  const requestsBySocket = new WeakMap<Socket, number>();

  function onRequest(req: IncomingMessage, res: GatewayResponse): void {
    if (maxPerSocket > 0) {
      const served = (requestsBySocket.get(req.socket) ?? 0) + 1;
      requestsBySocket.set(req.socket, served);
      if (served >= maxPerSocket) res.shouldKeepAlive = false;
    }
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
      // Node's own parser must stay strict: lenient parsing is how requests get smuggled.
      insecureHTTPParser: false,
    },
    onRequest,
  );
  server.on('clientError', createClientErrorHandler(logger, config.maxHeaderBytes));
  const upgrades = new WebSocketUpgrades(config, {
    sessions,
    apiKeys,
    clientIp,
    rateLimit: rl ? { limiter: rl.limiter, policies, usage: usage ?? undefined } : null,
    logger,
    clock,
  });
  server.on('upgrade', upgrades.handle);

  let closing: Promise<void> | null = null;
  return {
    server,
    sessions,
    apiKeys,
    limiter: rl?.limiter ?? null,
    admission: admissionController,
    async listen() {
      const port = await listen(server, config.port, config.host);
      logger.info(
        { port, host: config.host, lbUrl: config.lbUrl, rateLimit: rl?.limiter.mode ?? 'off' },
        'gateway listening',
      );
      return port;
    },
    close() {
      closing ??= (async () => {
        upgrades.closeAll(); // tunnels have no request to finish and would hold the drain
        await shutdownServer(server, config.shutdownTimeoutMs);
        await upstream.close();
        unsubscribe?.();
        await rl?.close();
        await apiKeys.close();
        await ownedBus?.close();
        if (!deps.pool) await pgPool.end();
      })();
      return closing;
    },
  };
}

interface RateLimiting {
  limiter: Limiter;
  liveGateways: LiveGateways | null;
  close(): Promise<void>;
}

/**
 * The limiter with its own Redis connection (short command timeout, so a slow or frozen Redis
 * costs one bounded wait before the fallback takes over) and the gateway heartbeat. Without Redis
 * the in-process store decides at full limits (one gateway).
 */
async function createRateLimiting(
  config: GatewayConfig,
  metrics: GatewayMetrics,
  clock: Clock,
  logger: Logger,
): Promise<RateLimiting> {
  const rlMetrics = new RateLimitMetrics(metrics.registry);
  const local = new MemoryRateLimitStore({ clock });
  if (config.redis.url === null) {
    logger.warn('REDIS_URL/REDIS_HOST not set: rate limits are counted in this gateway only');
    return {
      limiter: new Limiter({ remote: null, local, clock, logger, metrics: rlMetrics }),
      liveGateways: null,
      async close() {},
    };
  }
  const redis: Redis = createRedisClient(
    { ...config.redis, url: config.redis.url, commandTimeoutMs: config.limiter.redisTimeoutMs },
    logger,
    { name: 'gateway-limiter' },
  );
  redis.on('error', () => {}); // state changes are logged by createRedisClient and the limiter
  const liveGateways = new LiveGateways({
    redis,
    keyPrefix: config.redis.keyPrefix,
    instanceId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    intervalMs: config.limiter.heartbeatIntervalMs,
    clock,
    onChange: (n) => rlMetrics.liveGateways(n),
  });
  const limiter = new Limiter({
    remote: new RedisRateLimitStore(redis, { keyPrefix: config.redis.keyPrefix }),
    local,
    leases: config.limiter.leases,
    probe: () => redis.ping(),
    probeIntervalMs: config.limiter.probeIntervalMs,
    liveGateways: () => liveGateways.count,
    clock,
    logger,
    metrics: rlMetrics,
  });
  // The first heartbeat waits for the connection (bounded); Redis being down must not stop startup.
  await readyWithin(redis, config.redis.connectTimeoutMs);
  await liveGateways.start();
  return {
    limiter,
    liveGateways,
    async close() {
      limiter.close();
      await liveGateways.stop();
      redis.disconnect();
    },
  };
}

/** Resolves when the connection is ready or after `waitMs`, whichever comes first. */
function readyWithin(redis: Redis, waitMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, waitMs);
    timer.unref();
    function done() {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    }
    redis.once('ready', done);
  });
}

/**
 * Subscribes to revocations, waiting at most `waitMs`: a Redis that is down at startup must not
 * keep the gateway from serving (the subscriptions complete when Redis comes back; meanwhile
 * revocations from other processes are bounded by the session and key cache TTLs).
 */
async function subscribeWithin(
  subscriptions: Promise<() => void>[],
  waitMs: number,
  logger: Logger,
): Promise<(() => void) | null> {
  const all = Promise.all(subscriptions).then((offs) => () => {
    for (const off of offs) off();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs);
    timer.unref();
  });
  const result = await Promise.race([all, timedOut]).finally(() => clearTimeout(timer));
  if (result === null) {
    logger.warn('revocation channels not subscribed yet (Redis unreachable); continuing');
    // They complete once Redis is reachable (ioredis queues SUBSCRIBE); closing the bus ends them.
    all.catch((err: unknown) => logger.warn({ err: String(err) }, 'revocation subscribe failed'));
  }
  return result;
}
