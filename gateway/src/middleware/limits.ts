import { FloodgateError } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

/** Longest request target accepted; longer → 414. */
export const MAX_URL_BYTES = 8 * 1024;

export interface LimitsConfig {
  bodyLimitBytes: number;
  /** Header fields accepted; more → 431. @default 100 */
  maxHeaderCount?: number;
}

/**
 * Request limits that can be decided from the head: target length (414), header count (431), a
 * Transfer-Encoding other than plain `chunked` or one sent with a Content-Length (400: a proxy that
 * forwards either invites request smuggling) and a declared Content-Length over the body limit
 * (413, before anything is proxied). A body without a declared length is marked for counting while
 * it streams (see BodyLimitStream). Header bytes, parse errors and slow clients are bounded by the
 * server itself (maxHeaderSize → 431, 'clientError' → 400, headersTimeout/requestTimeout → 408).
 */
export function createLimitsStage(config: LimitsConfig): Stage {
  const limit = config.bodyLimitBytes;
  const maxRawHeaders = (config.maxHeaderCount ?? 100) * 2;
  const tooLarge = `Request body exceeds ${limit} bytes`;
  return {
    name: 'limits',
    handle(ctx: RequestContext) {
      const req = ctx.req;
      if ((req.url as string).length > MAX_URL_BYTES) throw new FloodgateError('URI_TOO_LONG');
      if (req.rawHeaders.length > maxRawHeaders) {
        throw new FloodgateError('HEADERS_TOO_LARGE', `More than ${maxRawHeaders / 2} header fields`);
      }
      const declared = req.headers['content-length'];
      const te = req.headers['transfer-encoding'];
      if (te !== undefined) {
        if ((te !== 'chunked' && te.trim().toLowerCase() !== 'chunked') || declared !== undefined) {
          // The unread body must not be parsed as the next request.
          ctx.res.setHeader('connection', 'close');
          throw new FloodgateError(
            'BAD_REQUEST',
            'Transfer-Encoding must be chunked, without Content-Length',
          );
        }
        ctx.countBody = true;
      } else if (declared !== undefined && Number(declared) > limit) {
        throw new FloodgateError('PAYLOAD_TOO_LARGE', tooLarge);
      }
      return NEXT;
    },
  };
}
