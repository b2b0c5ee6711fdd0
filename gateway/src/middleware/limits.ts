import { FloodgateError } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

/** Longest request target accepted; longer → 414. */
export const MAX_URL_BYTES = 8 * 1024;

export interface LimitsConfig {
  bodyLimitBytes: number;
}

/**
 * Request-size limits that can be decided from the head: target length (414) and a declared
 * Content-Length over the body limit (413, before anything is proxied). A body without a declared
 * length is marked for counting while it streams (see BodyLimitStream). Header size and slow
 * clients are bounded by the server itself (maxHeaderSize → 431, headersTimeout, requestTimeout).
 */
export function createLimitsStage(config: LimitsConfig): Stage {
  const limit = config.bodyLimitBytes;
  const tooLarge = `Request body exceeds ${limit} bytes`;
  return {
    name: 'limits',
    handle(ctx: RequestContext) {
      const req = ctx.req;
      if ((req.url as string).length > MAX_URL_BYTES) throw new FloodgateError('URI_TOO_LONG');
      const declared = req.headers['content-length'];
      if (declared !== undefined) {
        if (Number(declared) > limit) throw new FloodgateError('PAYLOAD_TOO_LARGE', tooLarge);
      } else if (req.headers['transfer-encoding'] !== undefined) {
        ctx.countBody = true;
      }
      return NEXT;
    },
  };
}
