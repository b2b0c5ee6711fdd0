import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FloodgateError } from '@floodgate/shared';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const BEARER = /^Bearer\s+(\S+)\s*$/i;

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards /internal/*: with a token, `Authorization: Bearer <token>` (constant-time comparison);
 * without one, loopback clients only. Throws UNAUTHORIZED or FORBIDDEN.
 */
export function createInternalAuth(token: string | null): (req: IncomingMessage) => void {
  const expected = token === null ? null : digest(token);
  return (req) => {
    if (expected === null) {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
        throw new FloodgateError('FORBIDDEN', 'Internal endpoints answer loopback clients only');
      }
      return;
    }
    const m = BEARER.exec(req.headers.authorization ?? '');
    if (!m || !timingSafeEqual(digest(m[1] as string), expected)) {
      throw new FloodgateError(
        'UNAUTHORIZED',
        'Internal endpoints need Authorization: Bearer <INTERNAL_TOKEN>',
      );
    }
  };
}
