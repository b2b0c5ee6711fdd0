import type { Writable } from 'node:stream';
import type { Redis } from '@floodgate/shared';
import type { RateLimitPolicy } from './rate-limit-policy.js';
import {
  decision,
  type LeaseGrant,
  type LeaseRequest,
  type RateLimitDecision,
  type RateLimitStore,
} from './rate-limit-store.js';
import { SLIDING_WINDOW_SCRIPT, SLIDING_WINDOW_SHA } from './sliding-window-script.js';
import { WriteCoalescer } from './write-coalescer.js';

export interface RedisStoreOptions {
  /** The deployment's key prefix (REDIS_KEY_PREFIX); counters live under `<prefix>rl:`. */
  keyPrefix: string;
  /**
   * Tests only: a time source passed to the script instead of Redis TIME, so the contract suite
   * can drive both stores with one FakeClock. Production leaves it unset: Redis is the only clock.
   */
  now?: () => number;
  /**
   * Share socket writes between the decisions of one event-loop turn (see WriteCoalescer).
   * @default true
   */
  coalesceWrites?: boolean;
}

type ScriptRunner = Pick<Redis, 'evalsha' | 'eval'> & { readonly stream?: Writable };

/**
 * Sliding-window counters shared by every gateway: one EVALSHA per decision (the script is sent
 * again with EVAL only when Redis answers NOSCRIPT, e.g. after a restart or SCRIPT FLUSH).
 * Faults (timeout, connection lost) reject; the Limiter decides what happens then.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: ScriptRunner;
  readonly #prefix: string;
  readonly #now: (() => number) | undefined;
  readonly #coalescer: WriteCoalescer | null;

  constructor(redis: ScriptRunner, options: RedisStoreOptions) {
    this.#redis = redis;
    this.#prefix = `${options.keyPrefix}rl:`;
    this.#now = options.now;
    this.#coalescer = options.coalesceWrites === false ? null : new WriteCoalescer();
  }

  /** The Redis key holding `key`'s counters. */
  redisKey(key: string): string {
    return this.#prefix + key;
  }

  async consume(key: string, policy: RateLimitPolicy): Promise<RateLimitDecision> {
    const r = await this.#run(key, policy, '1', '0', '0');
    return decision(r[0] >= 1, policy.max, r[1], r[2], r[3], false);
  }

  async lease(key: string, policy: RateLimitPolicy, request: LeaseRequest): Promise<LeaseGrant> {
    const r = await this.#run(
      key,
      policy,
      String(request.want),
      String(request.refundBucket),
      String(request.refundCount),
    );
    return {
      granted: r[0],
      remaining: r[1],
      resetMs: r[2],
      retryAfterMs: r[3],
      bucket: r[4],
      bucketRemainingMs: r[5],
    };
  }

  async #run(
    key: string,
    policy: RateLimitPolicy,
    want: string,
    refundBucket: string,
    refundCount: string,
  ): Promise<ScriptReply> {
    const redisKey = this.#prefix + key;
    const a = policy.args;
    const now = this.#now === undefined ? '' : String(this.#now());
    this.#coalescer?.cork(this.#redis.stream);
    try {
      return (await this.#redis.evalsha(
        SLIDING_WINDOW_SHA,
        1,
        redisKey,
        a.windowMs,
        a.buckets,
        a.max,
        want,
        refundBucket,
        refundCount,
        now,
      )) as ScriptReply;
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return (await this.#redis.eval(
        SLIDING_WINDOW_SCRIPT,
        1,
        redisKey,
        a.windowMs,
        a.buckets,
        a.max,
        want,
        refundBucket,
        refundCount,
        now,
      )) as ScriptReply;
    }
  }
}

/** granted, remaining, resetMs, retryAfterMs, bucket, bucketRemainingMs. */
type ScriptReply = [number, number, number, number, number, number];

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
