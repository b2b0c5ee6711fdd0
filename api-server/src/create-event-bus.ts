import {
  type ApiServerConfig,
  createRedisClient,
  type EventBus,
  LocalEventBus,
  type Logger,
  RedisEventBus,
} from '@floodgate/shared';

/** Redis pub/sub when REDIS_URL/REDIS_HOST is set (reaches every gateway), else in-process. */
export function createEventBus(
  config: ApiServerConfig,
  logger: Logger,
): { bus: EventBus; close(): Promise<void> } {
  const url = config.redis.url;
  if (url === null) {
    const bus = new LocalEventBus();
    return { bus, close: () => bus.close() };
  }
  const redis = { ...config.redis, url };
  const publisher = createRedisClient(redis, logger, { name: `${config.instanceId}-pub` });
  const subscriber = createRedisClient(redis, logger, { name: `${config.instanceId}-sub`, subscriber: true });
  const bus = new RedisEventBus(publisher, subscriber, config.redis.keyPrefix);
  return {
    bus,
    async close() {
      await bus.close();
      publisher.disconnect();
    },
  };
}
