import { FloodgateError, type LoadBalancerConfig } from '@floodgate/shared';
import type { Balancer } from '../balancers/balancer.js';
import type { BackendBreaker } from '../breakers/backend-breaker.js';
import type { HealthStatusSetter } from '../health/health-checker.js';
import { Backend, type UpstreamOptions } from './backend.js';

export type BackendSpec = LoadBalancerConfig['backendSpecs'][number];

/** Told about every backend that joins or leaves the pool (health checks, metrics). */
export interface PoolListener {
  added?(backend: Backend): void;
  removed?(backend: Backend): void;
}

export interface BackendPoolOptions {
  /** Builds each backend's breaker; by default a breaker with default options. */
  createBreaker?: (backendId: string) => BackendBreaker;
}

/**
 * The set of backends, held as an immutable (frozen) snapshot array that is replaced on every change.
 * Readers (the balancer, status, metrics) never see a half-applied change, and `pick()` allocates nothing.
 */
export class BackendPool implements HealthStatusSetter {
  readonly balancer: Balancer;
  readonly #upstream: UpstreamOptions;
  readonly #createBreaker: BackendPoolOptions['createBreaker'];
  readonly #listeners: PoolListener[] = [];
  #backends: readonly Backend[] = Object.freeze([]);
  #nextId = 1;

  constructor(
    balancer: Balancer,
    upstream: UpstreamOptions,
    backends: readonly (string | BackendSpec)[] = [],
    options: BackendPoolOptions = {},
  ) {
    this.balancer = balancer;
    this.#upstream = upstream;
    this.#createBreaker = options.createBreaker;
    for (const b of backends) {
      if (typeof b === 'string') this.add(b);
      else this.add(b.url, b.weight);
    }
  }

  /** The current snapshot, in configuration order. */
  get backends(): readonly Backend[] {
    return this.#backends;
  }

  /** The backend for the next request (never one in `exclude`), or undefined when none is available. */
  pick(exclude?: readonly Backend[]): Backend | undefined {
    return this.balancer.pick(this.#backends, exclude);
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

  /** Registers a listener; returns the function that unregisters it. */
  subscribe(listener: PoolListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i !== -1) this.#listeners.splice(i, 1);
    };
  }

  /** Adds a backend with the next id ("api-N"); a URL already in the pool is a CONFLICT. */
  add(url: string, weight = 1): Backend {
    if (this.#backends.some((b) => b.url === url)) {
      throw new FloodgateError('CONFLICT', `backend ${url} is already in the pool`);
    }
    const id = `api-${this.#nextId++}`;
    const backend = new Backend({ id, url, weight }, this.#upstream, this.#createBreaker?.(id));
    this.#backends = Object.freeze([...this.#backends, backend]);
    for (const l of this.#listeners) l.added?.(backend);
    return backend;
  }

  /**
   * Takes a backend out of rotation at once (the returned promise resolves then), and closes its
   * connections in the background once its in-flight requests have finished (`closed`).
   */
  remove(id: string): { backend: Backend; closed: Promise<void> } | undefined {
    const backend = this.get(id);
    if (backend === undefined) return undefined;
    this.#backends = Object.freeze(this.#backends.filter((b) => b !== backend));
    for (const l of this.#listeners) l.removed?.(backend);
    return { backend, closed: backend.close() };
  }

  /** Health checks report here (small interface: id + verdict). False when the id is unknown. */
  setHealthy(id: string, healthy: boolean): boolean {
    const backend = this.get(id);
    if (backend !== undefined) backend.healthy = healthy;
    return backend !== undefined;
  }

  /**
   * Health checks report a pass on a healthy backend: its breaker, when open (not forced), goes
   * half-open so trial requests decide, instead of waiting out its reset timeout. False when the id is unknown.
   */
  healthCheckPassed(id: string): boolean {
    const backend = this.get(id);
    backend?.breaker.healthCheckPassed();
    return backend !== undefined;
  }

  /** Draining: in-flight requests finish, no new ones are sent. False when the id is unknown. */
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
