import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdmissionController, ShedReason } from './admission-controller.js';

/**
 * `floodgate_admission_shed_total{tier,reason}` plus in-flight and queued gauges read at scrape
 * time. Children are resolved per (tier, reason) on first use; both label sets are fixed and small.
 */
export class AdmissionMetrics {
  readonly #shed: Counter<'tier' | 'reason'>;
  readonly #children = new Map<string, { inc(): void }>();

  constructor(registry: Registry, controller: () => AdmissionController | null) {
    this.#shed = new Counter({
      name: 'floodgate_admission_shed_total',
      help: 'Requests shed by admission control (503 OVERLOADED), by tier and reason.',
      labelNames: ['tier', 'reason'],
      registers: [registry],
    });
    new Gauge({
      name: 'floodgate_admission_in_flight',
      help: 'Proxied requests holding an admission slot.',
      registers: [registry],
      collect() {
        this.set(controller()?.inFlight ?? 0);
      },
    });
    new Gauge({
      name: 'floodgate_admission_queued',
      help: 'Requests waiting for an admission slot.',
      registers: [registry],
      collect() {
        this.set(controller()?.queued ?? 0);
      },
    });
  }

  shed(tier: string, reason: ShedReason): void {
    const id = `${tier}:${reason}`;
    let c = this.#children.get(id);
    if (c === undefined) {
      c = this.#shed.labels({ tier, reason });
      this.#children.set(id, c);
    }
    c.inc();
  }
}
