import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/redis-config.js';
import type { Logger } from '../logger/create-logger.js';

export type { Redis } from 'ioredis';

export interface RedisClientOptions {
  /** Shown in logs and CLIENT LIST. */
  name: string;
  /**
   * A subscriber connection queues SUBSCRIBE until connected and has no command timeout;
   * a command connection fails fast instead.
   */
  subscriber?: boolean;
}

/**
 * ioredis tuned to fail fast: no offline queue (a command while disconnected errors at once), a
 * command timeout (a frozen Redis cannot hold a request), one retry per command, and reconnection
 * forever with capped backoff so service heals when Redis returns. Errors are logged on state
 * change only, not once per reconnect attempt.
 */
export function createRedisClient(
  config: Pick<RedisConfig, 'commandTimeoutMs' | 'connectTimeoutMs'> & { url: string; keyPrefix?: string },
  logger: Logger,
  options: RedisClientOptions,
): Redis {
  const subscriber = options.subscriber ?? false;
  const client = new Redis(config.url, {
    connectionName: options.name,
    enableOfflineQueue: subscriber,
    commandTimeout: subscriber ? undefined : config.commandTimeoutMs,
    connectTimeout: config.connectTimeoutMs,
    maxRetriesPerRequest: subscriber ? null : 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    enableAutoPipelining: false,
    lazyConnect: false,
  });
  let healthy = false;
  client.on('ready', () => {
    if (!healthy) logger.info({ redis: options.name }, 'redis connected');
    healthy = true;
  });
  client.on('error', (err: Error) => {
    if (healthy) logger.warn({ redis: options.name, err: err.message }, 'redis connection lost');
    healthy = false;
  });
  client.on('end', () => {
    healthy = false;
  });
  return client;
}
