import { type Clock, sendJson } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { DONE, type Stage } from '../pipeline/stage.js';

/** `GET /health` → `{status:"ok", uptimeSeconds}`: the process is up and serving. */
export function createHealthStage(deps: { clock: Clock; startedAtMs: number }): Stage {
  const { clock, startedAtMs } = deps;
  return {
    name: 'health',
    handle(ctx: RequestContext) {
      const uptimeSeconds = Math.floor((clock.monotonic() - startedAtMs) / 1000);
      sendJson(ctx.res, 200, { status: 'ok', uptimeSeconds });
      return DONE;
    },
  };
}
