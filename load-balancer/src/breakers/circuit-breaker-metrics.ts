import { Gauge, type Registry } from 'prom-client';
import type { BackendPool } from '../backends/backend-pool.js';
import { CIRCUIT_STATES } from './backend-breaker.js';

/**
 * `floodgate_circuit_state{backend,state}`: 1 for each backend's current state, 0 for the others.
 * Read from the pool at scrape time, so the request path pays nothing.
 */
export function registerCircuitBreakerMetrics(registry: Registry, pool: BackendPool): void {
  new Gauge({
    name: 'floodgate_circuit_state',
    help: 'Circuit breaker state per backend: 1 for the current state (closed, open, half_open), 0 otherwise.',
    labelNames: ['backend', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of pool.backends) {
        const current = b.breaker.state;
        for (const state of CIRCUIT_STATES) this.labels(b.id, state).set(state === current ? 1 : 0);
      }
    },
  });
}
