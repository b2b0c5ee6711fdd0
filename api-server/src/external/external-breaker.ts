import type { EventEmitter } from 'node:events';
import type { Logger } from '@floodgate/shared';
import CircuitBreaker from 'opossum';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExternalData, FlakyDependency } from './flaky-dependency.js';

export type CircuitState = 'closed' | 'open' | 'half_open';
export type FallbackReason = 'circuit_open' | 'timeout' | 'error';

/** Expected outcomes are values: a live answer, or the fallback and why. Never throws. */
export type ExternalOutcome =
  | { source: 'live'; data: ExternalData }
  | { source: 'fallback'; data: null; reason: FallbackReason };

export interface ExternalBreakerOptions {
  /** A call slower than this counts as a failure. */
  timeoutMs: number;
  /** Consecutive failures that open the breaker (besides opossum's error ratio). */
  failureThreshold: number;
  /** How long the breaker stays open before one half-open trial. */
  resetTimeoutMs: number;
}

const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

/**
 * The breaker in front of the flaky dependency. Opens on ≥50 % failures over a 10 s rolling window
 * once 10 calls were seen, or after `failureThreshold` consecutive failures, whichever comes first;
 * half-opens after `resetTimeoutMs`; one successful trial closes it.
 */
export class ExternalBreaker {
  readonly #breaker: CircuitBreaker<[], ExternalData>;
  readonly #failureThreshold: number;
  readonly #fallbacks: Counter<'reason'> | undefined;
  #consecutiveFailures = 0;

  constructor(
    dependency: FlakyDependency,
    options: ExternalBreakerOptions,
    deps: { logger: Logger; registry?: Registry },
  ) {
    this.#failureThreshold = options.failureThreshold;
    this.#breaker = new CircuitBreaker(dependency, {
      name: 'external',
      timeout: options.timeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 10,
      rollingCountTimeout: 10_000,
      rollingCountBuckets: 10,
      resetTimeout: options.resetTimeoutMs,
    });
    const b = this.#breaker;
    b.on('success', () => {
      this.#consecutiveFailures = 0;
    });
    // 'failure' also fires for timeouts; rejections by an open breaker are not failures.
    b.on('failure', () => {
      this.#consecutiveFailures++;
      if (this.#consecutiveFailures >= this.#failureThreshold && b.closed) b.open();
    });
    b.on('open', () => {
      this.#consecutiveFailures = 0;
      deps.logger.warn({ breaker: 'external' }, 'external dependency circuit opened');
    });
    b.on('halfOpen', () =>
      deps.logger.info({ breaker: 'external' }, 'external dependency circuit half-open'),
    );
    b.on('close', () => {
      this.#consecutiveFailures = 0;
      deps.logger.info({ breaker: 'external' }, 'external dependency circuit closed');
    });

    this.#fallbacks = deps.registry ? this.#registerMetrics(deps.registry) : undefined;
  }

  get state(): CircuitState {
    const b = this.#breaker;
    return b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed';
  }

  /** Emits opossum's state events ('open', 'halfOpen', 'close') to `listener`. */
  on(event: 'open' | 'halfOpen' | 'close', listener: () => void): this {
    (this.#breaker as EventEmitter).on(event, listener);
    return this;
  }

  async call(): Promise<ExternalOutcome> {
    try {
      return { source: 'live', data: await this.#breaker.fire() };
    } catch (err) {
      const code = (err as { code?: string }).code;
      const reason: FallbackReason =
        code === 'EOPENBREAKER' ? 'circuit_open' : code === 'ETIMEDOUT' ? 'timeout' : 'error';
      this.#fallbacks?.labels(reason).inc();
      return { source: 'fallback', data: null, reason };
    }
  }

  /** Stops opossum's timers; later calls answer with the fallback. */
  shutdown(): void {
    this.#breaker.shutdown();
  }

  /** The state gauge is read at scrape time (no per-call cost); returns the fallback counter. */
  #registerMetrics(registry: Registry): Counter<'reason'> {
    const gauge: Gauge<'state'> = new Gauge({
      name: 'floodgate_external_circuit_state',
      help: 'State of the /api/v1/external dependency breaker: 1 for the current state, 0 otherwise.',
      labelNames: ['state'],
      registers: [registry],
      collect: () => {
        const current = this.state;
        for (const s of STATES) gauge.set({ state: s }, s === current ? 1 : 0);
      },
    });
    return new Counter({
      name: 'floodgate_external_fallbacks_total',
      help: 'Calls to the external dependency answered by the fallback, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    });
  }
}
