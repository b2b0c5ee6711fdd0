import { randomBytes } from 'node:crypto';
import {
  type ApiServerConfig,
  type Clock,
  createRedisClient,
  type Logger,
  type Pool,
} from '@floodgate/shared';
import type { Registry } from 'prom-client';
import { CacheMetrics } from './cache-metrics.js';
import { CoherenceProtocol } from './coherence-protocol.js';
import { L1Cache } from './l1-cache.js';
import { CACHE_CHANNEL, PgCoherenceBus } from './pg-coherence-bus.js';
import { RedisL2Store } from './redis-l2-store.js';
import { TwoLevelCache } from './two-level-cache.js';

export interface ResourceCache {
  cache: TwoLevelCache;
  protocol: CoherenceProtocol;
  /** Stops the bus and closes the Redis connection it opened. */
  close(): Promise<void>;
}

/**
 * Wires the cache: L1, L2 on its own Redis connection (when Redis is configured; its command timeout
 * is the L2 timeout), the coherence protocol and its PostgreSQL LISTEN/NOTIFY bus.
 */
export function createResourceCache(
  config: ApiServerConfig,
  deps: { pool: Pool; clock: Clock; logger: Logger; registry: Registry; random?: () => number },
): ResourceCache {
  const c = config.cache;
  const logger = deps.logger.child({ component: 'cache' });
  let bus: PgCoherenceBus | null = null;
  let cache: TwoLevelCache | null = null;
  const protocol = new CoherenceProtocol({
    nodeId: randomBytes(6).toString('hex'),
    leaseMs: c.leaseMs,
    channel: CACHE_CHANNEL,
    clock: deps.clock,
    send: (channel, payload) => (bus ? bus.send(channel, payload) : Promise.resolve()),
    handlers: {
      invalidate: (tags) => cache?.handlers.invalidate(tags),
      distrustL2: () => cache?.handlers.distrustL2(),
      sessionChanged: (session) => cache?.handlers.sessionChanged(session),
    },
  });
  const redisUrl = c.enabled ? config.redis.url : null;
  const redis =
    redisUrl === null
      ? null
      : createRedisClient({ ...config.redis, url: redisUrl, commandTimeoutMs: c.l2TimeoutMs }, logger, {
          name: `${config.instanceId}-cache`,
        });
  const l2 =
    redis === null
      ? null
      : new RedisL2Store({
          redis,
          keyPrefix: config.redis.keyPrefix,
          clock: deps.clock,
          retryMs: c.l2RetryMs,
          markTtlMs: Math.max(10_000, 2 * config.postgres.statementTimeoutMs),
          genTtlMs: 2 * (c.l2TtlMs * (1 + c.ttlJitter) + c.staleGraceMs) + 60_000,
        });
  const l1 = new L1Cache({ maxEntries: c.l1MaxEntries, maxBytes: c.l1MaxBytes });
  const metrics = new CacheMetrics(
    deps.registry,
    {
      l1Entries: () => l1.size,
      l1Bytes: () => l1.bytes,
      l1Evictions: () => l1.evictions,
      coherent: () => protocol.leaseValid(),
      l2Trusted: () => cache?.l2Trusted ?? false,
      busMembers: () => protocol.liveMembers(),
    },
    () => cache?.coalesced ?? 0,
  );
  const twoLevel = new TwoLevelCache({
    config: c,
    clock: deps.clock,
    logger,
    pool: deps.pool,
    outcomeLookupMs: config.postgres.connectTimeoutMs,
    l1,
    l2,
    protocol,
    metrics,
    random: deps.random,
  });
  cache = twoLevel;
  if (c.enabled) {
    bus = new PgCoherenceBus({
      postgres: config.postgres,
      protocol,
      clock: deps.clock,
      logger,
      applicationName: `floodgate-cache-${config.instanceId}`,
    });
    bus.start();
  }
  return {
    cache: twoLevel,
    protocol,
    async close() {
      twoLevel.close();
      await bus?.close();
      redis?.disconnect();
    },
  };
}
