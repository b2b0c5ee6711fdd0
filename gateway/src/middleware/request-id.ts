import { REQUEST_ID_HEADER, resolveRequestId } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

/**
 * Keeps a valid incoming `X-Request-Id` or generates one, and sets it on the response before any
 * other stage runs, so every answer (errors included) carries it. The proxy forwards it upstream.
 */
export function createRequestIdStage(): Stage {
  return {
    name: 'requestId',
    handle(ctx: RequestContext) {
      const id = resolveRequestId(ctx.req.headers[REQUEST_ID_HEADER]);
      ctx.requestId = id;
      ctx.res.setHeader(REQUEST_ID_HEADER, id);
      return NEXT;
    },
  };
}
