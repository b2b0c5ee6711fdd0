import type { Backend } from '../backends/backend.js';

/**
 * Chooses the backend for the next request. Implementations only consult `backend.isAvailable()`
 * (and read-only fields such as `inFlight` or `weight`), never mutate a backend, and allocate
 * nothing per pick. Every implementation runs `runBalancerContract` in its test.
 */
export interface Balancer {
  /** The `LB_ALGORITHM` value this implements, e.g. "round-robin". */
  readonly name: string;
  /**
   * An available backend that is not in `exclude` (the backends a retried request already tried),
   * or undefined when there is none.
   */
  pick(backends: readonly Backend[], exclude?: readonly Backend[]): Backend | undefined;
}

/** Whether `backend` may be picked: available and not excluded. */
export function isEligible(backend: Backend, exclude: readonly Backend[] | undefined): boolean {
  return backend.isAvailable() && (exclude === undefined || !exclude.includes(backend));
}
