import { z } from 'zod';
import { optionalString, positiveInt } from './env-types.js';

export const RedisEnv = z.object({
  /** redis://host:port/db. When neither REDIS_URL nor REDIS_HOST is set, Redis is off: in-process stores. */
  REDIS_URL: optionalString,
  REDIS_HOST: optionalString,
  REDIS_PORT: z.coerce.number().int().min(1).max(65535).default(6379),
  /** Prefix of every key and channel this deployment uses, so deployments and tests can share a Redis. */
  REDIS_KEY_PREFIX: z.string().default('fg:'),
  /** A Redis command slower than this fails; callers fall back rather than wait. */
  REDIS_COMMAND_TIMEOUT_MS: positiveInt(200),
  REDIS_CONNECT_TIMEOUT_MS: positiveInt(1000),
  /**
   * Without Redis: `ipc` relays event-bus messages (revocations, invalidations) through the
   * `floodgate up` supervisor to every process on the machine; `local` keeps them in-process.
   * `floodgate up` sets `ipc` on its children when it runs without Redis.
   */
  FLOODGATE_EVENT_BUS: z.enum(['local', 'ipc']).default('local'),
});

export interface RedisConfig {
  /** null: no Redis configured; components use their in-process fallbacks. */
  url: string | null;
  keyPrefix: string;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Transport of the event bus when `url` is null. */
  eventBusFallback: 'local' | 'ipc';
}

export function toRedisConfig(e: z.output<typeof RedisEnv>): RedisConfig {
  const url = e.REDIS_URL ?? (e.REDIS_HOST ? `redis://${e.REDIS_HOST}:${e.REDIS_PORT}` : null);
  return {
    url,
    keyPrefix: e.REDIS_KEY_PREFIX,
    commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS,
    eventBusFallback: e.FLOODGATE_EVENT_BUS,
  };
}
