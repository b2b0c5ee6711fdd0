import type { Backend } from '../backends/backend.js';
import { type Balancer, isEligible } from './balancer.js';

/**
 * Least connections, weighted: picks the eligible backend with the fewest in-flight requests per
 * unit of weight. "Connections" are requests this balancer has in flight to the backend (as in
 * Caddy), not sockets: keep-alive pooling makes socket counts meaningless. Ties rotate like round
 * robin, so an idle pool is still spread evenly.
 */
export class LeastConnectionsBalancer implements Balancer {
  readonly name = 'least-connections';
  #next = 0;

  pick(backends: readonly Backend[], exclude?: readonly Backend[]): Backend | undefined {
    const n = backends.length;
    if (n === 0) return undefined;
    const start = this.#next < n ? this.#next : this.#next % n;
    let best: Backend | undefined;
    let bestIndex = 0;
    for (let i = 0; i < n; i++) {
      const index = start + i < n ? start + i : start + i - n;
      const backend = backends[index] as Backend;
      if (!isEligible(backend, exclude)) continue;
      // a/wa < b/wb without division
      if (best === undefined || backend.inFlight * best.weight < best.inFlight * backend.weight) {
        best = backend;
        bestIndex = index;
      }
    }
    if (best !== undefined) this.#next = bestIndex + 1 === n ? 0 : bestIndex + 1;
    return best;
  }
}
