import { FloodgateError } from '@floodgate/shared';
import type { SessionVerifier, VerifiedSession } from '../auth/session-verifier.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

export interface AuthenticateDeps {
  sessions: Pick<SessionVerifier, 'verify'>;
}

/**
 * Resolves the caller's identity. No credentials → anonymous (the context's default).
 * `Authorization: Bearer <token>` → the session's user, or 401 INVALID_TOKEN when the token is
 * malformed, unknown, revoked or expired: a bad credential is never downgraded to anonymous.
 * API keys (and any other scheme) are refused until the key stage exists.
 */
export function createAuthenticateStage(deps: AuthenticateDeps): Stage {
  const sessions = deps.sessions;
  return {
    name: 'authenticate',
    handle(ctx: RequestContext) {
      const headers = ctx.req.headers;
      const authorization = headers.authorization;
      if (authorization === undefined) {
        if (headers['x-api-key'] !== undefined) {
          throw new FloodgateError('INVALID_API_KEY', 'API keys are not accepted by this gateway');
        }
        return NEXT;
      }
      const token = bearerToken(authorization);
      if (token === null) throw new FloodgateError('UNAUTHORIZED', 'Unsupported authorization scheme');
      const verified = sessions.verify(token);
      if (verified === null) throw new FloodgateError('INVALID_TOKEN');
      if (verified instanceof Promise) return settle(ctx, verified);
      apply(ctx, verified);
      return NEXT;
    },
  };
}

async function settle(ctx: RequestContext, pending: Promise<VerifiedSession | null>): Promise<boolean> {
  const verified = await pending;
  if (verified === null) throw new FloodgateError('INVALID_TOKEN');
  apply(ctx, verified);
  return NEXT;
}

function apply(ctx: RequestContext, verified: VerifiedSession): void {
  ctx.identity = verified.identity;
  ctx.tokenHash = verified.tokenHash;
}

/** The token of a `Bearer` credential (scheme case-insensitive), or null for any other scheme. */
export function bearerToken(authorization: string): string | null {
  const space = authorization.indexOf(' ');
  if (space !== 6 || authorization.slice(0, 6).toLowerCase() !== 'bearer') return null;
  return authorization.slice(7).trim();
}
