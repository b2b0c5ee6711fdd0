import type { RedisConfig } from '../config/redis-config.js';
import type { Logger } from '../logger/create-logger.js';
import { createRedisClient } from '../redis/create-redis-client.js';
import type { EventBus } from './event-bus.js';
import { IpcEventBus } from './ipc-event-bus.js';
import { LocalEventBus } from './local-event-bus.js';
import { RedisEventBus } from './redis-event-bus.js';

/** Set to `ipc` by `floodgate up` on its children when there is no Redis (see RedisEnv). */
export const EVENT_BUS_ENV = 'FLOODGATE_EVENT_BUS';

export interface CreatedEventBus {
  bus: EventBus;
  /** Which transport was chosen, for logs and health output. */
  kind: 'redis' | 'ipc' | 'local';
  close(): Promise<void>;
}

/**
 * The event bus a process should use: Redis pub/sub when Redis is configured (reaches every process
 * of the deployment); else, under `floodgate up`, the supervisor's IPC relay (every process on this
 * machine); else in-process only, which it logs once, and callers must bound staleness themselves
 * (a gateway relies on local eviction and cache TTLs for revocations).
 */
export function createEventBus(
  redis: RedisConfig,
  logger: Logger,
  options: { name: string },
): CreatedEventBus {
  if (redis.url !== null) {
    const config = { ...redis, url: redis.url };
    const publisher = createRedisClient(config, logger, { name: `${options.name}-pub` });
    const subscriber = createRedisClient(config, logger, { name: `${options.name}-sub`, subscriber: true });
    const bus = new RedisEventBus(publisher, subscriber, redis.keyPrefix);
    return {
      bus,
      kind: 'redis',
      async close() {
        await bus.close();
        publisher.disconnect();
      },
    };
  }
  if (redis.eventBusFallback === 'ipc' && typeof process.send === 'function') {
    const bus = new IpcEventBus();
    return { bus, kind: 'ipc', close: () => bus.close() };
  }
  logger.warn('REDIS_URL/REDIS_HOST not set: events (revocations, cache changes) reach this process only');
  const bus = new LocalEventBus();
  return { bus, kind: 'local', close: () => bus.close() };
}
