import { collectDefaultMetrics, Registry } from 'prom-client';

/** A per-process registry with Node's default process metrics, labelled with the component name. */
export function createMetricsRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}
