import type { Backend } from '../backends/backend.js';

/**
 * Chooses the backend for the next request. Implementations only consult `backend.isAvailable()`
 * (and read-only counters such as `inFlight` or `weight`), never mutate a backend, and allocate
 * nothing per pick. Every implementation runs `runBalancerContract` in its test.
 */
export interface Balancer {
  /** The `LB_ALGORITHM` value this implements, e.g. "round-robin". */
  readonly name: string;
  /** An available backend, or undefined when the list is empty or none is available. */
  pick(backends: readonly Backend[]): Backend | undefined;
}
