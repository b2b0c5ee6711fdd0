import type { IncomingMessage } from 'node:http';
import { createTokenOrLoopbackGuard } from '@floodgate/shared';

/**
 * Guards /internal/*: the shared token-or-loopback guard with INTERNAL_TOKEN (a bearer token from
 * everyone when set, loopback clients only when not). Throws UNAUTHORIZED or FORBIDDEN.
 */
export function createInternalAuth(token: string | null): (req: IncomingMessage) => void {
  return createTokenOrLoopbackGuard({ token, tokenName: 'INTERNAL_TOKEN' });
}
