import type { Backend } from '../backends/backend.js';
import { type Balancer, isEligible } from './balancer.js';

/**
 * Strict round robin by position: with backends 1,2,3 all available, picks are 1,2,3,1,2,3...
 * Unavailable backends are skipped and the rotation continues after the one picked, so a backend
 * that recovers rejoins at its own position.
 */
export class RoundRobinBalancer implements Balancer {
  readonly name = 'round-robin';
  #next = 0;

  pick(backends: readonly Backend[], exclude?: readonly Backend[]): Backend | undefined {
    const n = backends.length;
    if (n === 0) return undefined;
    const start = this.#next < n ? this.#next : this.#next % n;
    for (let i = 0; i < n; i++) {
      const index = start + i < n ? start + i : start + i - n;
      const backend = backends[index] as Backend;
      if (isEligible(backend, exclude)) {
        this.#next = index + 1 === n ? 0 : index + 1;
        return backend;
      }
    }
    return undefined;
  }
}
