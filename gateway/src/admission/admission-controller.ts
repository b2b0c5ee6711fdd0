import { type Clock, type ClockTimer, systemClock } from '@floodgate/shared';

/** Why a request was shed. */
export type ShedReason = 'queue_full' | 'evicted' | 'timeout';

class Waiter {
  readonly rank: number;
  readonly resolve: (admitted: boolean) => void;
  timer: ClockTimer | null = null;

  constructor(rank: number, resolve: (admitted: boolean) => void) {
    this.rank = rank;
    this.resolve = resolve;
  }
}

export interface AdmissionOptions {
  maxInFlight: number;
  /** Requests that may wait for a slot (0: no queue, shed at once). */
  queueSize: number;
  queueTimeoutMs: number;
  /** Priority classes, 0 = lowest (shed first). */
  ranks: number;
  clock?: Clock;
  /** Called for every shed request with its rank. */
  onShed?: (rank: number, reason: ShedReason) => void;
}

/**
 * A bounded in-flight cap with a short, bounded, prioritised queue. Below the cap a request takes a
 * slot at once. At the cap it waits (at most `queueTimeoutMs`) in its rank's FIFO; a freed slot goes
 * to the highest rank waiting. When the queue is full, a newcomer evicts the oldest waiter of a
 * lower rank, or is itself shed: under overload the lowest tiers are refused first and the highest
 * survive longest. Nothing waits unboundedly; shedding answers at once.
 */
export class AdmissionController {
  readonly #max: number;
  readonly #queueSize: number;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #onShed: ((rank: number, reason: ShedReason) => void) | undefined;
  readonly #queues: Waiter[][];
  #inFlight = 0;
  #queued = 0;

  constructor(options: AdmissionOptions) {
    this.#max = options.maxInFlight;
    this.#queueSize = options.queueSize;
    this.#timeoutMs = options.queueTimeoutMs;
    this.#clock = options.clock ?? systemClock;
    this.#onShed = options.onShed;
    this.#queues = Array.from({ length: options.ranks }, () => []);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queued;
  }

  /** True: a slot is taken. False: shed now. A promise: queued; resolves true (slot taken) or false (shed). */
  acquire(rank: number): boolean | Promise<boolean> {
    if (this.#inFlight < this.#max) {
      this.#inFlight++;
      return true;
    }
    if (this.#queued >= this.#queueSize) {
      const victim = this.#lowestWaitingBelow(rank);
      if (victim === null) {
        this.#onShed?.(rank, 'queue_full');
        return false;
      }
      this.#remove(victim);
      this.#onShed?.(victim.rank, 'evicted');
      victim.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      const waiter = new Waiter(rank, resolve);
      const timer = this.#clock.setTimeout(() => {
        waiter.timer = null;
        this.#remove(waiter);
        this.#onShed?.(rank, 'timeout');
        resolve(false);
      }, this.#timeoutMs);
      timer.unref?.();
      waiter.timer = timer;
      (this.#queues[rank] as Waiter[]).push(waiter);
      this.#queued++;
    });
  }

  /** Frees a slot: the highest-ranked waiter (oldest first) takes it. */
  release(): void {
    for (let r = this.#queues.length - 1; r >= 0; r--) {
      const next = (this.#queues[r] as Waiter[]).shift();
      if (next === undefined) continue;
      this.#queued--;
      if (next.timer !== null) this.#clock.clearTimeout(next.timer);
      next.resolve(true);
      return;
    }
    this.#inFlight--;
  }

  #lowestWaitingBelow(rank: number): Waiter | null {
    for (let r = 0; r < rank; r++) {
      const head = this.#queues[r]?.[0];
      if (head !== undefined) return head;
    }
    return null;
  }

  #remove(waiter: Waiter): void {
    const queue = this.#queues[waiter.rank] as Waiter[];
    const i = queue.indexOf(waiter);
    if (i === -1) return;
    queue.splice(i, 1);
    this.#queued--;
    if (waiter.timer !== null) this.#clock.clearTimeout(waiter.timer);
    waiter.timer = null;
  }
}
