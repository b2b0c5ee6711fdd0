import {
  type ApiServerConfig,
  type CreatedEventBus,
  createEventBus as createSharedEventBus,
  type Logger,
} from '@floodgate/shared';

/**
 * The api-server's event bus: Redis pub/sub when configured (reaches every gateway and instance),
 * the supervisor's IPC relay under `floodgate up` without Redis, else in-process.
 */
export function createEventBus(config: ApiServerConfig, logger: Logger): CreatedEventBus {
  return createSharedEventBus(config.redis, logger, { name: config.instanceId });
}
