import { once } from 'node:events';
import { createLogger, createRedisClient, type Redis } from '@floodgate/shared';

const silent = createLogger({ name: 'test-redis', level: 'silent' });

/** A ready command connection to `url` (fails fast like the gateway's own); the caller disconnects it. */
export async function connectTestRedis(url: string, commandTimeoutMs = 2000): Promise<Redis> {
  const client = createRedisClient({ url, keyPrefix: '', commandTimeoutMs, connectTimeoutMs: 2000 }, silent, {
    name: 'gateway-test',
  });
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}
