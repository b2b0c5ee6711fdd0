import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { FloodgateError } from '../errors/floodgate-error.js';

const IPV4_MAPPED = '::ffff:';
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * True for 127.0.0.0/8 and ::1, including IPv4-mapped `::ffff:127.x.y.z`: every address a
 * connection from this machine can come from. Pass the socket's address, never a header.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith(IPV4_MAPPED) ? address.slice(IPV4_MAPPED.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

export interface TokenOrLoopbackGuardOptions {
  /** The shared secret callers send as `Authorization: Bearer <token>`; null: loopback clients only. */
  token: string | null;
  /** The env var that sets it, named in the error messages (e.g. `LB_ADMIN_TOKEN`). */
  tokenName: string;
}

/**
 * The guard of every service-to-service admin endpoint (`/lb/admin/*`, `/internal/*`): with a token,
 * `Authorization: Bearer <token>` from everyone, compared in constant time (UNAUTHORIZED otherwise,
 * from loopback too); without one, loopback clients only (FORBIDDEN otherwise). Throws.
 */
export function createTokenOrLoopbackGuard(
  options: TokenOrLoopbackGuardOptions,
): (req: IncomingMessage) => void {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = options.token === null ? null : digest(options.token);
  const unauthorized = `A valid bearer token is required (Authorization: Bearer <${options.tokenName}>)`;
  const loopbackOnly = `Only loopback clients are answered while ${options.tokenName} is unset`;
  return (req) => {
    if (expected === null) {
      if (!isLoopbackAddress(req.socket.remoteAddress)) throw new FloodgateError('FORBIDDEN', loopbackOnly);
      return;
    }
    const m = BEARER.exec(req.headers.authorization ?? '');
    if (m === null || !timingSafeEqual(digest(m[1] as string), expected)) {
      throw new FloodgateError('UNAUTHORIZED', unauthorized);
    }
  };
}
