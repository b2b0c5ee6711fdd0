import { createMetricsRegistry, HttpMetrics } from '@floodgate/shared';
import { Gauge, type Registry } from 'prom-client';
import type { GatewayStats } from './gateway-stats.js';

/** The gateway's Prometheus registry: process defaults, HTTP metrics and the in-flight gauge. */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly http: HttpMetrics;

  constructor(stats: GatewayStats) {
    this.registry = createMetricsRegistry('gateway');
    this.http = new HttpMetrics(this.registry);
    new Gauge({
      name: 'floodgate_gateway_in_flight',
      help: 'Requests the gateway is handling right now.',
      registers: [this.registry],
      // Read at scrape time, so counting a request costs nothing here.
      collect() {
        this.set(stats.inFlight);
      },
    });
  }
}
