import type { Backend } from '../backends/backend.js';
import { type Balancer, isEligible } from './balancer.js';

/**
 * Smooth weighted round robin (nginx): every pick adds each eligible backend's weight to its
 * current score, picks the highest score and subtracts the total from it. Weights 5,1,1 give
 * a,a,b,a,c,a,a: proportional and interleaved, never a burst of one backend.
 *
 * Scores live in an array parallel to the pool snapshot, rebuilt (keeping scores by backend) only
 * when a different snapshot arrives, so a pick allocates nothing.
 */
export class WeightedRoundRobinBalancer implements Balancer {
  readonly name = 'weighted-round-robin';
  #snapshot: readonly Backend[] | null = null;
  #current = new Float64Array(0);

  pick(backends: readonly Backend[], exclude?: readonly Backend[]): Backend | undefined {
    if (backends !== this.#snapshot) this.#rebuild(backends);
    const current = this.#current;
    let total = 0;
    let best = -1;
    for (let i = 0; i < backends.length; i++) {
      const backend = backends[i] as Backend;
      if (!isEligible(backend, exclude)) continue;
      current[i] = (current[i] as number) + backend.weight;
      total += backend.weight;
      if (best === -1 || (current[i] as number) > (current[best] as number)) best = i;
    }
    if (best === -1) return undefined;
    current[best] = (current[best] as number) - total;
    return backends[best];
  }

  #rebuild(backends: readonly Backend[]): void {
    const previous = new Map<Backend, number>();
    const old = this.#snapshot;
    if (old !== null)
      for (let i = 0; i < old.length; i++) previous.set(old[i] as Backend, this.#current[i] as number);
    this.#current = Float64Array.from(backends, (b) => previous.get(b) ?? 0);
    this.#snapshot = backends;
  }
}
