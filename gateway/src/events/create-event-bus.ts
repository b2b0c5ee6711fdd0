import {
  createRedisClient,
  type EventBus,
  LocalEventBus,
  type Logger,
  type RedisConfig,
  RedisEventBus,
} from '@floodgate/shared';

/**
 * Redis pub/sub when Redis is configured (a publisher and a dedicated subscriber connection),
 * otherwise an in-process bus: a single gateway then relies on local eviction and cache TTLs.
 * `close` releases both connections.
 */
export function createEventBus(
  config: RedisConfig,
  logger: Logger,
): { bus: EventBus; close(): Promise<void> } {
  if (config.url === null) {
    logger.warn('REDIS_URL/REDIS_HOST not set: session revocations reach this gateway only');
    const bus = new LocalEventBus();
    return { bus, close: () => bus.close() };
  }
  const redisConfig = { ...config, url: config.url };
  const publisher = createRedisClient(redisConfig, logger, { name: 'gateway-publisher' });
  const subscriber = createRedisClient(redisConfig, logger, { name: 'gateway-subscriber', subscriber: true });
  const bus = new RedisEventBus(publisher, subscriber, config.keyPrefix);
  return {
    bus,
    async close() {
      await bus.close();
      publisher.disconnect();
    },
  };
}
