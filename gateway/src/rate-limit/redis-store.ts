import type { Redis } from '@floodgate/shared';
import type { RateLimitPolicy } from './rate-limit-policy.js';
import { decision, type RateLimitDecision, type RateLimitStore } from './rate-limit-store.js';
import { SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SHA } from './sliding-window-script.js';

export interface RedisStoreOptions {
  /** The deployment's key prefix (REDIS_KEY_PREFIX); counters live under `<prefix>rl:`. */
  keyPrefix: string;
  /**
   * Tests only: a time source passed to the script instead of Redis TIME, so the contract suite
   * can drive both stores with one FakeClock. Production leaves it unset: Redis is the only clock.
   */
  now?: () => number;
}

type ScriptRunner = Pick<Redis, 'evalsha' | 'eval'>;

/**
 * Sliding-window counters shared by every gateway: one EVALSHA per decision (the script is sent
 * again with EVAL only when Redis answers NOSCRIPT, e.g. after a restart or SCRIPT FLUSH).
 * Faults (timeout, connection lost) reject; the Limiter decides what happens then.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: ScriptRunner;
  readonly #prefix: string;
  readonly #now: (() => number) | undefined;

  constructor(redis: ScriptRunner, options: RedisStoreOptions) {
    this.#redis = redis;
    this.#prefix = `${options.keyPrefix}rl:`;
    this.#now = options.now;
  }

  /** The Redis key holding `key`'s counters. */
  redisKey(key: string): string {
    return this.#prefix + key;
  }

  async consume(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    const redisKey = this.#prefix + key;
    const a = policy.args;
    const now = this.#now === undefined ? '' : String(this.#now());
    let reply: unknown;
    try {
      reply = await this.#redis.evalsha(SLIDING_WINDOW_SHA, 1, redisKey, a.windowMs, a.buckets, a.max, now);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      reply = await this.#redis.eval(SLIDING_WINDOW_SCRIPT, 1, redisKey, a.windowMs, a.buckets, a.max, now);
    }
    const r = reply as [number, number, number, number];
    return decision(r[0] === 1, policy.max, r[1], r[2], r[3], false);
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
