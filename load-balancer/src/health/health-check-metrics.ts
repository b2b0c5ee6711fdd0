import { Counter, type Registry } from 'prom-client';
import type { HealthCheckResult } from './health-checker.js';
import type { ProbeVerdict } from './http-probe.js';

const VERDICTS: readonly ProbeVerdict[] = ['pass', 'fail', 'timeout', 'shutting_down'];

/** `floodgate_health_checks_total{backend,result}`: one count per probe (pass, fail, timeout, shutting_down). */
export class HealthCheckMetrics {
  readonly #checks: Counter<'backend' | 'result'>;

  constructor(registry: Registry) {
    this.#checks = new Counter({
      name: 'floodgate_health_checks_total',
      help: 'Active health-check probes per backend, by result (pass, fail, timeout, shutting_down).',
      labelNames: ['backend', 'result'],
      registers: [registry],
    });
  }

  record(result: HealthCheckResult): void {
    this.#checks.labels(result.backendId, result.verdict).inc();
  }

  /** Drops a removed backend's series. */
  forget(backendId: string): void {
    for (const result of VERDICTS) this.#checks.remove({ backend: backendId, result });
  }
}
