import { once } from 'node:events';
import { createLogger, createRedisClient, loadGatewayConfig, type Redis } from '@floodgate/shared';

const silent = createLogger({ name: 'test-redis', level: 'silent' });

/** A ready command connection to `url` (fails fast like the gateway's own); the caller disconnects it. */
export async function connectTestRedis(url: string, commandTimeoutMs = 2000): Promise<Redis> {
  // Built through the schema, so the config has every field the factory expects.
  const config = loadGatewayConfig({
    REDIS_URL: url,
    REDIS_COMMAND_TIMEOUT_MS: String(commandTimeoutMs),
  }).redis;
  const client = createRedisClient({ ...config, url }, silent, { name: 'gateway-test' });
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}
