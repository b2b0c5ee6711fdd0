import type { Backend } from '../backends/backend.js';
import { type Balancer, isEligible } from './balancer.js';

/**
 * Power of two choices: two distinct eligible backends at random, the one with fewer in-flight
 * requests per unit of weight wins. Nearly as good as least-connections at spreading load, without
 * herding every balancer instance onto the same "least loaded" backend.
 */
export class PowerOfTwoChoicesBalancer implements Balancer {
  readonly name = 'power-of-two-choices';
  readonly #random: () => number;

  /** @param random uniform in [0, 1); injectable so tests are deterministic. @default Math.random */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  pick(backends: readonly Backend[], exclude?: readonly Backend[]): Backend | undefined {
    let eligible = 0;
    for (const b of backends) if (isEligible(b, exclude)) eligible++;
    if (eligible === 0) return undefined;
    const a = Math.floor(this.#random() * eligible);
    const x = nthEligible(backends, exclude, a);
    if (eligible === 1) return x;
    let c = Math.floor(this.#random() * (eligible - 1));
    if (c >= a) c++;
    const y = nthEligible(backends, exclude, c);
    return y.inFlight * x.weight < x.inFlight * y.weight ? y : x;
  }
}

function nthEligible(
  backends: readonly Backend[],
  exclude: readonly Backend[] | undefined,
  n: number,
): Backend {
  let seen = 0;
  for (const b of backends) {
    if (!isEligible(b, exclude)) continue;
    if (seen === n) return b;
    seen++;
  }
  throw new RangeError('fewer eligible backends than counted');
}
