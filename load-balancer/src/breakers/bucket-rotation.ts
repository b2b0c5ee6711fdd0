import { EventEmitter } from 'node:events';
import type { Clock, ClockTimer } from '@floodgate/shared';

/**
 * Drives the rolling windows of many opossum breakers from one Clock: emits `rotate` every
 * `windowMs / buckets` (opossum's `rotateBucketController`), so a FakeClock moves the windows in tests
 * and one unref'd timer serves every breaker instead of one interval each.
 */
export class BucketRotation extends EventEmitter {
  readonly windowMs: number;
  readonly buckets: number;
  readonly #clock: Clock;
  readonly #tickMs: number;
  #timer: ClockTimer | null = null;

  constructor(clock: Clock, windowMs: number, buckets = 10) {
    super();
    this.setMaxListeners(0); // one listener per breaker
    this.#clock = clock;
    this.windowMs = windowMs;
    this.buckets = buckets;
    this.#tickMs = Math.max(1, Math.floor(windowMs / buckets));
  }

  start(): this {
    if (this.#timer === null) this.#schedule();
    return this;
  }

  stop(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.emit('rotate');
      this.#schedule();
    }, this.#tickMs);
    this.#timer.unref?.();
  }
}
