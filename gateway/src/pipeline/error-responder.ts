import { isFloodgateError, type Logger, sendError } from '@floodgate/shared';
import type { ErrorResponder } from './pipeline.js';
import type { RequestContext } from './request-context.js';

/**
 * Answers a failed request with the error envelope. Unexpected errors are logged (a bug, not an
 * outcome) and reach the client only as a generic 500. A 413 closes the connection so the unread
 * body is never drained.
 */
export function createErrorResponder(logger: Logger): ErrorResponder {
  return (ctx: RequestContext, err: unknown): void => {
    if (!isFloodgateError(err) || err.code === 'INTERNAL') {
      logger.error({ reqId: ctx.requestId, err }, 'request failed unexpectedly');
    }
    if (ctx.closed) return;
    const res = ctx.res;
    if (!res.headersSent && isFloodgateError(err) && err.code === 'PAYLOAD_TOO_LARGE') {
      res.setHeader('connection', 'close');
    }
    sendError(res, err, ctx.requestId);
  };
}
