import { type Clock, systemClock } from '@floodgate/shared';

export interface RestartPolicyOptions {
  /** Delay before the first restart. @default 250 */
  initialDelayMs?: number;
  /** Upper bound of the delay. @default 10000 */
  maxDelayMs?: number;
  /** Growth per consecutive failure. @default 2 */
  factor?: number;
  /** A child that ran at least this long counts as healthy: its next restart starts over. @default 30000 */
  resetAfterMs?: number;
}

export interface RestartDecision {
  delayMs: number;
  /** 1 for the first restart after a healthy run, then 2, 3, ... */
  attempt: number;
}

/**
 * Exponential backoff for one supervised child: 250, 500, 1000 ... capped at 10 s, back to the
 * start once the child has stayed up for `resetAfterMs`. Time comes from the injected clock.
 */
export class RestartPolicy {
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #factor: number;
  readonly #resetAfterMs: number;
  readonly #clock: Clock;
  #attempts = 0;
  #startedAt: number | null = null;

  constructor(options: RestartPolicyOptions = {}, clock: Clock = systemClock) {
    this.#initialDelayMs = options.initialDelayMs ?? 250;
    this.#maxDelayMs = options.maxDelayMs ?? 10_000;
    this.#factor = options.factor ?? 2;
    this.#resetAfterMs = options.resetAfterMs ?? 30_000;
    this.#clock = clock;
    if (this.#initialDelayMs < 0 || this.#maxDelayMs < this.#initialDelayMs || this.#factor < 1) {
      throw new RangeError('RestartPolicy: need 0 <= initialDelayMs <= maxDelayMs and factor >= 1');
    }
  }

  /** Call when the child (re)starts. */
  recordStart(): void {
    this.#startedAt = this.#clock.monotonic();
  }

  /** Call when the child exited unexpectedly: how long to wait before starting it again. */
  nextRestart(): RestartDecision {
    const uptimeMs = this.#startedAt === null ? 0 : this.#clock.monotonic() - this.#startedAt;
    if (uptimeMs >= this.#resetAfterMs) this.#attempts = 0;
    const delayMs = Math.min(this.#initialDelayMs * this.#factor ** this.#attempts, this.#maxDelayMs);
    this.#attempts += 1;
    this.#startedAt = null;
    return { delayMs: Math.round(delayMs), attempt: this.#attempts };
  }

  /** Consecutive restarts since the last healthy run. */
  get attempts(): number {
    return this.#attempts;
  }
}
