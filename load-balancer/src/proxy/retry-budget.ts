import type { Clock } from '@floodgate/shared';

/** Seconds of history the budget looks at. */
const RETRY_BUDGET_WINDOW_SECONDS = 10;

/**
 * Caps the extra load retries add (a Finagle-style retry budget): retries over the last 10 s may
 * not exceed `ratio` × the client requests of those 10 s plus `min`, so a quiet balancer can still
 * retry a few.
 *
 * Counting over a window rather than retries in flight matters when failures arrive together: the
 * tries stuck on a frozen backend time out in bursts (undici checks timeouts longer than 1 s on a
 * 500 ms tick), and a cap on concurrent retries refused most of such a burst although the retries
 * added little load. A sustained storm is still held to `ratio` extra load.
 */
export class RetryBudget {
  readonly ratio: number;
  /** Retries allowed in the window on top of the ratio. */
  readonly min: number;
  readonly #clock: Clock;
  readonly #requests = new Float64Array(RETRY_BUDGET_WINDOW_SECONDS);
  readonly #retries = new Float64Array(RETRY_BUDGET_WINDOW_SECONDS);
  #second = Number.NEGATIVE_INFINITY;
  #requestsInWindow = 0;
  #retriesInWindow = 0;

  constructor(ratio: number, min: number, clock: Clock) {
    this.ratio = ratio;
    this.min = min;
    this.#clock = clock;
  }

  /** A client request arrived. */
  recordRequest(): void {
    const i = this.#advance();
    this.#requests[i] = (this.#requests[i] as number) + 1;
    this.#requestsInWindow++;
  }

  /** Whether one more retry may start now; an allowed retry is counted. */
  tryAcquire(): boolean {
    const i = this.#advance();
    if (this.#retriesInWindow >= this.ratio * this.#requestsInWindow + this.min) return false;
    this.#retries[i] = (this.#retries[i] as number) + 1;
    this.#retriesInWindow++;
    return true;
  }

  /** Retries and requests counted in the window (for tests and diagnostics). */
  get window(): { requests: number; retries: number } {
    this.#advance();
    return { requests: this.#requestsInWindow, retries: this.#retriesInWindow };
  }

  /** Moves to the current second, forgetting seconds that left the window; returns its slot. */
  #advance(): number {
    const second = Math.floor(this.#clock.monotonic() / 1000);
    if (second !== this.#second) {
      const expired = Math.min(second - this.#second, RETRY_BUDGET_WINDOW_SECONDS);
      for (let k = 1; k <= expired; k++) {
        const slot =
          (((second - expired + k) % RETRY_BUDGET_WINDOW_SECONDS) + RETRY_BUDGET_WINDOW_SECONDS) %
          RETRY_BUDGET_WINDOW_SECONDS;
        this.#requestsInWindow -= this.#requests[slot] as number;
        this.#retriesInWindow -= this.#retries[slot] as number;
        this.#requests[slot] = 0;
        this.#retries[slot] = 0;
      }
      this.#second = second;
    }
    return second % RETRY_BUDGET_WINDOW_SECONDS;
  }
}
