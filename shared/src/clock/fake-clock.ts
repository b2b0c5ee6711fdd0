import type { Clock, ClockTimer } from './clock.js';

interface Scheduled extends ClockTimer {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

/** A manually advanced clock for tests: `advance(ms)` runs due timers in order. */
export class FakeClock implements Clock {
  #now: number;
  #mono = 0;
  #timers: Scheduled[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const t: Scheduled = { at: this.#mono + Math.max(0, ms), fn, cancelled: false, unref: () => t };
    this.#timers.push(t);
    return t;
  }

  clearTimeout(timer: ClockTimer): void {
    (timer as Scheduled).cancelled = true;
  }

  /** Moves time forward, running every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.#mono + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now += next.at - this.#mono;
      this.#mono = next.at;
      next.fn();
    }
    this.#now += target - this.#mono;
    this.#mono = target;
  }
}
