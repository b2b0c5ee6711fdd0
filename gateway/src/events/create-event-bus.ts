import {
  type CreatedEventBus,
  createEventBus as createSharedEventBus,
  type Logger,
  type RedisConfig,
} from '@floodgate/shared';

/**
 * The gateway's event bus (session and key revocations): Redis pub/sub when configured, the
 * supervisor's IPC relay under `floodgate up` without Redis, else in-process (then a single gateway
 * relies on local eviction and cache TTLs, which it logs).
 */
export function createEventBus(config: RedisConfig, logger: Logger): CreatedEventBus {
  const created = createSharedEventBus(config, logger, { name: 'gateway' });
  if (created.kind === 'local') {
    logger.warn('REDIS_URL/REDIS_HOST not set: session revocations reach this gateway only');
  }
  return created;
}
