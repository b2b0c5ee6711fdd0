import { type Clock, type ClockTimer, type LoadBalancerConfig, systemClock } from '@floodgate/shared';
import { createHttpProbe, type Probe, type ProbeVerdict } from './http-probe.js';

/** Where verdicts go (Traefik's StatusSetter): the checker never touches the pool itself. */
export interface HealthStatusSetter {
  /** The verdict flipped (after `rise` passes or `fall` failures). */
  setHealthy(backendId: string, healthy: boolean): unknown;
  /**
   * A probe passed and the backend counts as healthy (also right after the pass that flipped it):
   * its breaker, if traffic opened it, may try the backend again.
   */
  healthCheckPassed(backendId: string): unknown;
}

export interface HealthCheckTarget {
  readonly id: string;
  /** Origin, e.g. "http://127.0.0.1:3001"; the probe path is appended. */
  readonly url: string;
}

export type HealthCheckOptions = LoadBalancerConfig['healthCheck'];

/** One probe and what it did to the verdict. */
export interface HealthCheckResult {
  backendId: string;
  verdict: ProbeVerdict;
  status?: number;
  /** The verdict after this probe. */
  healthy: boolean;
  /** This probe flipped the verdict. */
  changed: boolean;
}

export interface HealthCheckerDeps {
  clock?: Clock;
  /** Uniform in [0, 1), for jitter. @default Math.random */
  random?: () => number;
  /** @default an HTTP GET probe (createHttpProbe) */
  probe?: Probe;
  /** Called after every probe (metrics, logs, tests). */
  onResult?: (result: HealthCheckResult) => void;
}

interface TargetState {
  target: HealthCheckTarget;
  probeUrl: string;
  healthy: boolean;
  passes: number;
  fails: number;
  timer: ClockTimer | null;
  inFlight: AbortController | null;
  removed: boolean;
}

/**
 * Active health checks with rise/fall hysteresis: a healthy backend turns unhealthy after `fall`
 * consecutive failed probes, an unhealthy one healthy after `rise` consecutive passes; anything in
 * between changes nothing, so a backend alternating pass/fail never flaps. Every pass on a backend
 * that counts as healthy is also reported (`healthCheckPassed`), so an open breaker can half-open.
 *
 * Exception, on purpose: a 503 whose body carries the `SHUTTING_DOWN` code marks the backend
 * unhealthy on the first probe. A stopping instance says so explicitly and will not come back, so
 * waiting for a second probe would only send it new requests it has to refuse or drain. Any other
 * 503 (e.g. its database is briefly unreachable) follows the normal `fall` count.
 *
 * Each backend has its own schedule on the injected clock: the first probe within
 * `interval × jitter`, then every `interval × (1 ± jitter/2)` counted from the previous probe's start;
 * a probe without an answer after `timeoutMs` fails as `timeout`. Timers are unref'd.
 */
export class HealthChecker {
  readonly #setter: HealthStatusSetter;
  readonly #options: HealthCheckOptions;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #probe: Probe;
  readonly #closeProbe: (() => Promise<void>) | null;
  readonly #onResult: HealthCheckerDeps['onResult'];
  readonly #targets = new Map<string, TargetState>();
  #running = false;

  constructor(setter: HealthStatusSetter, options: HealthCheckOptions, deps: HealthCheckerDeps = {}) {
    this.#setter = setter;
    this.#options = options;
    this.#clock = deps.clock ?? systemClock;
    this.#random = deps.random ?? Math.random;
    if (deps.probe) {
      this.#probe = deps.probe;
      this.#closeProbe = null;
    } else {
      const http = createHttpProbe();
      this.#probe = http.probe;
      this.#closeProbe = http.close;
    }
    this.#onResult = deps.onResult;
  }

  /** Starts checking `target`, assumed healthy until `fall` probes fail. */
  add(target: HealthCheckTarget): void {
    if (this.#targets.has(target.id)) return;
    const state: TargetState = {
      target,
      probeUrl: target.url + this.#options.path,
      healthy: true,
      passes: 0,
      fails: 0,
      timer: null,
      inFlight: null,
      removed: false,
    };
    this.#targets.set(target.id, state);
    if (this.#running)
      this.#schedule(state, this.#options.intervalMs * this.#options.jitter * this.#random());
  }

  /** Stops checking a backend (it left the pool); an in-flight probe is aborted and ignored. */
  remove(id: string): void {
    const state = this.#targets.get(id);
    if (state === undefined) return;
    this.#targets.delete(id);
    this.#halt(state);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const state of this.#targets.values()) {
      this.#schedule(state, this.#options.intervalMs * this.#options.jitter * this.#random());
    }
  }

  /** Stops every schedule and probe; the checker can not be restarted after `close()`. */
  async close(): Promise<void> {
    this.#running = false;
    for (const state of this.#targets.values()) this.#halt(state);
    this.#targets.clear();
    await this.#closeProbe?.();
  }

  #halt(state: TargetState): void {
    state.removed = true;
    if (state.timer !== null) this.#clock.clearTimeout(state.timer);
    state.timer = null;
    state.inFlight?.abort();
  }

  #schedule(state: TargetState, delayMs: number): void {
    state.timer = this.#clock.setTimeout(() => {
      state.timer = null;
      void this.#run(state);
    }, delayMs);
    state.timer.unref?.();
  }

  async #run(state: TargetState): Promise<void> {
    const clock = this.#clock;
    const startedMs = clock.monotonic();
    const controller = new AbortController();
    state.inFlight = controller;
    const timeout = clock.setTimeout(() => controller.abort(), this.#options.timeoutMs);
    timeout.unref?.();
    const outcome = await this.#probe(state.probeUrl, controller.signal);
    clock.clearTimeout(timeout);
    state.inFlight = null;
    if (state.removed || !this.#running) return;
    const verdict = controller.signal.aborted ? 'timeout' : outcome.verdict;
    const changed = this.#apply(state, verdict);
    if (verdict === 'pass' && state.healthy) this.#setter.healthCheckPassed(state.target.id);
    const result: HealthCheckResult = {
      backendId: state.target.id,
      verdict,
      healthy: state.healthy,
      changed,
    };
    if (outcome.status !== undefined) result.status = outcome.status;
    this.#onResult?.(result);
    const { intervalMs, jitter } = this.#options;
    const period = intervalMs * (1 + jitter * (this.#random() - 0.5));
    this.#schedule(state, Math.max(0, period - (clock.monotonic() - startedMs)));
  }

  /** Applies one verdict; true when it flipped the backend's health. */
  #apply(state: TargetState, verdict: ProbeVerdict): boolean {
    if (verdict === 'pass') {
      state.fails = 0;
      state.passes++;
      if (!state.healthy && state.passes >= this.#options.rise) return this.#flip(state, true);
      return false;
    }
    state.passes = 0;
    state.fails++;
    if (state.healthy && (state.fails >= this.#options.fall || verdict === 'shutting_down')) {
      return this.#flip(state, false);
    }
    return false;
  }

  #flip(state: TargetState, healthy: boolean): true {
    state.healthy = healthy;
    state.passes = 0;
    state.fails = 0;
    this.#setter.setHealthy(state.target.id, healthy);
    return true;
  }
}
