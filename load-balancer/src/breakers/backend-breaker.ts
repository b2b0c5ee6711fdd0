import { type Clock, systemClock } from '@floodgate/shared';
import CircuitBreaker from 'opossum';
import { isFailure } from '../backends/try-outcome.js';
import type { BucketRotation } from './bucket-rotation.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

export interface BreakerOptions {
  /** Consecutive failures that open a closed breaker, whatever the window says. */
  failureThreshold: number;
  /** How long an open breaker waits before going half-open, unless a health check passes first. */
  resetTimeoutMs: number;
  /** The window opens the breaker when strictly more than this % of its requests failed… */
  errorThresholdPercentage: number;
  /** …and it holds at least this many requests. */
  volumeThreshold: number;
  /** Length of the rolling window. */
  rollingWindowMs: number;
  /** Trial requests a half-open breaker admits at once; the first outcome decides. */
  halfOpenRequests: number;
}

const DEFAULT_BREAKER_OPTIONS: Readonly<BreakerOptions> = Object.freeze({
  failureThreshold: 5,
  resetTimeoutMs: 30_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 20,
  rollingWindowMs: 10_000,
  halfOpenRequests: 1,
});

/** A plain-data view of a breaker for `/lb/admin/circuit-breakers`. */
export interface CircuitBreakerStatus {
  backend: string;
  state: CircuitState;
  /** Opened by an operator: stays open (no half-open trials) until closed or reset. */
  forced: boolean;
  consecutiveFailures: number;
  /** The rolling window: recorded outcomes and failures among them. */
  window: { requests: number; failures: number };
  /** Wall-clock ms when the breaker last opened; null while it never did. */
  openedAt: number | null;
  options: BreakerOptions;
}

export interface BreakerDeps {
  clock?: Clock;
  /** Rotates the rolling window; without one, opossum rotates it with its own (unref'd) interval. */
  rotation?: BucketRotation;
  /** Called after every state change. */
  onStateChange?: (backendId: string, state: CircuitState, forced: boolean) => void;
}

type Outcome = CircuitBreaker<[boolean], void>;

const RESOLVED: Promise<void> = Promise.resolve();
const OUTCOME_FAILED = Object.assign(new Error('upstream failure'), { code: 'EUPSTREAM' });

/** The breaker's action: it does no work, it reports an outcome the proxy already observed. */
function reportOutcome(failed: boolean): Promise<void> {
  if (failed) throw OUTCOME_FAILED; // opossum records a synchronous throw as a failure at once
  return RESOLVED;
}
function ignore(): void {}

/**
 * One backend's circuit breaker: opossum 9 owns the state machine (closed → open → half-open →
 * closed/open) and the rolling window; this class owns admission and feeds opossum real outcomes.
 * An open breaker half-opens after `resetTimeoutMs`, or sooner on a passing active health check.
 *
 * Outcomes are recorded when they are known (response headers arrived, or the try failed), through
 * `fire()` on an action that returns the known result, so the streaming proxy never waits on or
 * buffers for the breaker. Why not `fire()` per request with a promise settled later: opossum has no
 * neutral outcome (its errorFilter turns an ignored error into a *success*, which closes a half-open
 * breaker), and its half-open admits exactly one call — if that trial never settles (client went
 * away), the breaker would reject everything until a timeout. Here a client abort records nothing
 * and frees the trial slot, and the half-open trial count is ours (`halfOpenRequests`).
 *
 * opossum's own defaults open on a single failure (volumeThreshold 0); every option is set here.
 * Its capacity semaphore is unused (concurrency is bounded by the connection pool), so its
 * "semaphore locked" rejections, which it would count as failures, cannot occur.
 */
export class BackendBreaker {
  readonly backendId: string;
  readonly options: Readonly<BreakerOptions>;
  readonly #clock: Clock;
  readonly #rotation: BucketRotation | undefined;
  readonly #onStateChange: BreakerDeps['onStateChange'];
  #breaker: Outcome;
  #state: CircuitState = 'closed';
  #forced = false;
  #consecutiveFailures = 0;
  /** Trials in flight in the current half-open period. */
  #trials = 0;
  /** Numbers half-open periods, so a trial from an earlier one cannot free a slot in this one. */
  #period = 0;
  #openedAt: number | null = null;
  /** After shutdown() opossum rejects every fire(); nothing is recorded any more. */
  #shutDown = false;

  constructor(backendId: string, options: Partial<BreakerOptions> = {}, deps: BreakerDeps = {}) {
    this.backendId = backendId;
    this.options = Object.freeze({ ...DEFAULT_BREAKER_OPTIONS, ...options });
    this.#clock = deps.clock ?? systemClock;
    this.#rotation = deps.rotation;
    this.#onStateChange = deps.onStateChange;
    this.#breaker = this.#create();
  }

  get state(): CircuitState {
    return this.#forced ? 'open' : this.#state;
  }

  get forced(): boolean {
    return this.#forced;
  }

  /** True when a new request may go to this backend now (hot path: field reads only). */
  admits(): boolean {
    const state = this.#state;
    return (
      !this.#forced &&
      (state === 'closed' || (state === 'half_open' && this.#trials < this.options.halfOpenRequests))
    );
  }

  /**
   * A request is being sent. Returns its trial token: 0 normally; in half-open, the period number,
   * which `recordOutcome` or `recordNeutral` needs back to free the trial slot.
   */
  onDispatch(): number {
    if (this.#state !== 'half_open') return 0;
    this.#trials++;
    return this.#period;
  }

  /**
   * How a request ended (Caddy's `RecordMetric`): `outcome` is the answer's status or `NO_RESPONSE`
   * (`try-outcome.ts`); no answer and 5xx are failures, anything else a success. This policy decides
   * on the outcome alone; `latencyMs` (time to the answer) is part of the interface so a latency
   * policy can be plugged in. `token` is the one `onDispatch()` returned.
   */
  recordOutcome(outcome: number, _latencyMs: number, token: number): void {
    if (!this.#accepts(token)) return;
    if (!isFailure(outcome)) {
      this.#consecutiveFailures = 0;
      this.#breaker.fire(false);
      return;
    }
    this.#consecutiveFailures++;
    this.#breaker.fire(true);
    if (this.#state === 'closed' && this.#consecutiveFailures >= this.options.failureThreshold) {
      this.#breaker.open();
    }
  }

  /** The request ended without telling anything about the backend (client went away, bad request). */
  recordNeutral(token: number): void {
    if (token !== 0 && token === this.#period && this.#trials > 0) this.#trials--;
  }

  /**
   * An active health check passed (the checker counts the backend healthy): an open breaker goes
   * half-open now instead of at the end of `resetTimeoutMs`, so a backend that is back gets its
   * trial within a health interval (Envoy un-ejects a host on a passing active check). Trials still
   * decide, so a backend that passes its checks but fails real traffic opens again at once. A forced
   * breaker stays open; a closed or half-open one is left as it is.
   */
  healthCheckPassed(): void {
    if (this.#forced || this.#shutDown || this.#state !== 'open') return;
    // opossum half-opens only from its own reset timer: start a new one half-open (its documented
    // state initialisation), with an empty window as after a full reset timeout.
    this.#breaker.shutdown();
    this.#breaker = this.#create(true);
    this.#enter('half_open');
  }

  /** Operator: open now and stay open, without half-open trials, until `close()` or `reset()`. */
  forceOpen(): void {
    this.#forced = true;
    if (!this.#breaker.opened)
      this.#breaker.open(); // reports the change through 'open'
    else this.#onStateChange?.(this.backendId, 'open', true);
  }

  /** Operator: close now; the window keeps its history, so continuing failures reopen it. */
  close(): void {
    const wasForced = this.#forced;
    this.#forced = false;
    this.#consecutiveFailures = 0;
    if (!this.#breaker.closed) this.#breaker.close();
    else if (wasForced) this.#onStateChange?.(this.backendId, 'closed', false);
  }

  /** Operator: back to a fresh closed breaker with an empty window. */
  reset(): void {
    if (this.#shutDown) return;
    this.#breaker.shutdown();
    this.#forced = false;
    this.#consecutiveFailures = 0;
    this.#trials = 0;
    this.#state = 'closed';
    this.#breaker = this.#create();
    this.#onStateChange?.(this.backendId, 'closed', false);
  }

  toStatus(): CircuitBreakerStatus {
    const stats = this.#breaker.stats;
    return {
      backend: this.backendId,
      state: this.state,
      forced: this.#forced,
      consecutiveFailures: this.#consecutiveFailures,
      window: { requests: stats.successes + stats.failures, failures: stats.failures },
      openedAt: this.#openedAt,
      options: { ...this.options },
    };
  }

  /** Stops opossum's timers; the breaker records nothing afterwards. */
  shutdown(): void {
    this.#shutDown = true;
    this.#breaker.shutdown();
  }

  /** Whether an outcome should reach opossum; also frees the trial slot of a trial. */
  #accepts(token: number): boolean {
    const isTrial = token !== 0 && token === this.#period;
    if (isTrial && this.#trials > 0) this.#trials--;
    if (this.#forced || this.#shutDown) return false;
    // Half-open: only trials decide. Open: nothing to learn (opossum would reject the record anyway).
    return this.#state === 'closed' || (this.#state === 'half_open' && isTrial);
  }

  /** A new opossum breaker, closed, or half-open when `halfOpen` (awaiting its first trial). */
  #create(halfOpen = false): Outcome {
    const o = this.options;
    const options: CircuitBreaker.Options & { state?: Partial<CircuitBreaker.State> } = {
      name: this.backendId,
      timeout: false, // the proxy's own try timeout reports timeouts as failures
      resetTimeout: o.resetTimeoutMs,
      errorThresholdPercentage: o.errorThresholdPercentage,
      volumeThreshold: o.volumeThreshold,
      rollingCountTimeout: o.rollingWindowMs,
      rollingCountBuckets: this.#rotation?.buckets ?? 10,
      rotateBucketController: this.#rotation,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    };
    if (halfOpen) options.state = { closed: false, halfOpen: true };
    const breaker: Outcome = new CircuitBreaker(reportOutcome, options);
    // A fallback makes every fire() resolve, so no rejection needs a handler per request.
    breaker.fallback(ignore);
    breaker.on('open', () => this.#enter('open'));
    breaker.on('halfOpen', () => this.#enter('half_open'));
    breaker.on('close', () => this.#enter('closed'));
    return breaker;
  }

  #enter(state: CircuitState): void {
    this.#state = state;
    this.#consecutiveFailures = 0;
    if (state === 'open') this.#openedAt = this.#clock.now();
    if (state === 'half_open') {
      this.#period++;
      this.#trials = 0;
    }
    this.#onStateChange?.(this.backendId, this.state, this.#forced);
  }
}
