import { createMetricsHandler } from '@floodgate/shared';
import type { Registry } from 'prom-client';
import type { RequestContext } from '../pipeline/request-context.js';
import { DONE, type Stage } from '../pipeline/stage.js';

/** `GET /metrics` in the Prometheus text format. */
export function createMetricsStage(deps: { registry: Registry }): Stage {
  const serve = createMetricsHandler(deps.registry);
  return {
    name: 'metrics',
    async handle(ctx: RequestContext) {
      await serve(ctx);
      return DONE;
    },
  };
}
