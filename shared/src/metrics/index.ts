export { createMetricsRegistry } from './create-metrics-registry.js';
export { HttpMetrics } from './http-metrics.js';
export { createMetricsHandler } from './metrics-handler.js';
