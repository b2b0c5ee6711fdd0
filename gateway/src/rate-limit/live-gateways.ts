import type { Clock, ClockTimer, Redis } from '@floodgate/shared';
import { systemClock } from '@floodgate/shared';

/**
 * Registers this gateway in a Redis sorted set (member = instance id, score = Redis TIME in ms),
 * drops members silent for 3 intervals, and returns how many remain.
 */
const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - stale)
redis.call('PEXPIRE', KEYS[1], stale * 2)
return redis.call('ZCARD', KEYS[1])
`;

export interface LiveGatewaysOptions {
  redis: Pick<Redis, 'eval' | 'zrem'>;
  keyPrefix: string;
  instanceId: string;
  intervalMs: number;
  clock?: Clock;
  /** Called when the count changes. */
  onChange?: (count: number) => void;
}

/**
 * How many gateways share the limits, from heartbeats in Redis. The count is what the limiter
 * divides limits by while Redis is unreachable, so it keeps the last value Redis reported (a
 * gateway cannot learn of new peers without Redis, and assuming it is alone would multiply limits).
 */
export class LiveGateways {
  readonly #redis: Pick<Redis, 'eval' | 'zrem'>;
  readonly #key: string;
  readonly #instanceId: string;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  readonly #onChange: ((count: number) => void) | undefined;
  #count = 1;
  #timer: ClockTimer | null = null;
  #stopped = false;

  constructor(options: LiveGatewaysOptions) {
    this.#redis = options.redis;
    this.#key = `${options.keyPrefix}gateways`;
    this.#instanceId = options.instanceId;
    this.#intervalMs = options.intervalMs;
    this.#clock = options.clock ?? systemClock;
    this.#onChange = options.onChange;
  }

  get count(): number {
    return this.#count;
  }

  /** Sends the first heartbeat (bounded by the connection's timeout) and schedules the rest. */
  async start(): Promise<void> {
    await this.beat();
    this.#schedule();
  }

  /** One heartbeat; a Redis fault keeps the last known count. */
  async beat(): Promise<number> {
    try {
      const n = Number(
        await this.#redis.eval(
          HEARTBEAT_SCRIPT,
          1,
          this.#key,
          this.#instanceId,
          String(this.#intervalMs * 3),
        ),
      );
      if (Number.isInteger(n) && n >= 1 && n !== this.#count) {
        this.#count = n;
        this.#onChange?.(n);
      }
    } catch {
      // Redis unreachable: the limiter is (or will be) degraded and uses the last count.
    }
    return this.#count;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const timer = this.#clock.setTimeout(() => {
      void this.beat().finally(() => this.#schedule());
    }, this.#intervalMs);
    timer.unref?.();
    this.#timer = timer;
  }

  /** Stops beating and leaves the set, so peers stop counting this gateway at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    await this.#redis.zrem(this.#key, this.#instanceId).catch(() => {});
  }
}
