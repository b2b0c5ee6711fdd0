import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { createLogger } from '../logger/create-logger.js';
import { createRedisClient } from '../redis/create-redis-client.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const silent = createLogger({ name: 'test-redis', level: 'silent' });

/** A key prefix unique to one test, so tests share the machine's Redis without interfering. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `fgtest:${label}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteRedisPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A ready command connection to `url` that fails fast like the services' own; the caller disconnects it. */
export async function connectTestRedis(url = TEST_REDIS_URL, commandTimeoutMs = 2000): Promise<Redis> {
  const client = createRedisClient({ url, commandTimeoutMs, connectTimeoutMs: 2000 }, silent, {
    name: 'test',
  });
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}
