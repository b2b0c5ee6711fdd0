import { FloodgateError } from '@floodgate/shared';
import type { Balancer } from '../balancers/balancer.js';
import { Backend, type UpstreamOptions } from './backend.js';

/**
 * The set of backends, held as an immutable (frozen) snapshot array that is replaced on every change.
 * Readers (the balancer, status, metrics) never see a half-applied change, and `pick()` allocates nothing.
 */
export class BackendPool {
  readonly balancer: Balancer;
  readonly #upstream: UpstreamOptions;
  #backends: readonly Backend[] = Object.freeze([]);
  #nextId = 1;

  constructor(balancer: Balancer, upstream: UpstreamOptions, urls: readonly string[] = []) {
    this.balancer = balancer;
    this.#upstream = upstream;
    for (const url of urls) this.add(url);
  }

  /** The current snapshot, in configuration order. */
  get backends(): readonly Backend[] {
    return this.#backends;
  }

  /** The backend for the next request, or undefined when none is available. */
  pick(): Backend | undefined {
    return this.balancer.pick(this.#backends);
  }

  get(id: string): Backend | undefined {
    return this.#backends.find((b) => b.id === id);
  }

  /** Number of backends that would accept a request now. */
  availableCount(): number {
    let n = 0;
    for (const b of this.#backends) if (b.isAvailable()) n++;
    return n;
  }

  /** Adds a backend with the next id ("api-N"); a URL already in the pool is a CONFLICT. */
  add(url: string): Backend {
    if (this.#backends.some((b) => b.url === url)) {
      throw new FloodgateError('CONFLICT', `backend ${url} is already in the pool`);
    }
    const backend = new Backend({ id: `api-${this.#nextId++}`, url }, this.#upstream);
    this.#backends = Object.freeze([...this.#backends, backend]);
    return backend;
  }

  /** Removes a backend from rotation at once, then closes it after its in-flight requests finish. */
  async remove(id: string): Promise<boolean> {
    const backend = this.get(id);
    if (backend === undefined) return false;
    this.#backends = Object.freeze(this.#backends.filter((b) => b !== backend));
    await backend.close();
    return true;
  }

  /** Health checks report here (small interface: id + verdict). False when the id is unknown. */
  setHealthy(id: string, healthy: boolean): boolean {
    const backend = this.get(id);
    if (backend !== undefined) backend.healthy = healthy;
    return backend !== undefined;
  }

  setDraining(id: string, draining: boolean): boolean {
    const backend = this.get(id);
    if (backend !== undefined) backend.draining = draining;
    return backend !== undefined;
  }

  /** Closes every backend's connections at once; call after the server stopped taking requests. */
  async close(): Promise<void> {
    await Promise.all(this.#backends.map((b) => b.destroy()));
  }
}
