import { FloodgateError } from '@floodgate/shared';
import type { ApiKeyVerifier, VerifiedApiKey } from '../auth/api-key-verifier.js';
import type { SessionVerifier, VerifiedSession } from '../auth/session-verifier.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

export interface AuthenticateDeps {
  sessions: Pick<SessionVerifier, 'verify'>;
  apiKeys: Pick<ApiKeyVerifier, 'verify'>;
}

/**
 * Resolves the caller's identity, in order: `X-API-Key: <key>` or `Authorization: ApiKey <key>` →
 * the key's consumer; `Authorization: Bearer <token>` → the session's user; neither → anonymous
 * (the context's default). A malformed, unknown or revoked credential is 401 (INVALID_API_KEY,
 * INVALID_TOKEN), never a downgrade to anonymous; an unknown scheme is 401 UNAUTHORIZED.
 */
export function createAuthenticateStage(deps: AuthenticateDeps): Stage {
  const { sessions, apiKeys } = deps;

  function byKey(ctx: RequestContext, key: string): boolean | Promise<boolean> {
    const verified = apiKeys.verify(key);
    if (verified === null) throw new FloodgateError('INVALID_API_KEY');
    if (verified instanceof Promise) return settleKey(ctx, verified);
    ctx.identity = verified.identity;
    return NEXT;
  }

  return {
    name: 'authenticate',
    handle(ctx: RequestContext) {
      const headers = ctx.req.headers;
      const apiKey = headers['x-api-key'];
      if (apiKey !== undefined) {
        // Node joins repeated X-API-Key headers with ", ": never a valid key.
        return byKey(ctx, apiKey as string);
      }
      const authorization = headers.authorization;
      if (authorization === undefined) return NEXT;
      const space = authorization.indexOf(' ');
      const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
      const credential = space === -1 ? '' : authorization.slice(space + 1).trim();
      if (scheme === 'bearer') return bySession(ctx, sessions, credential);
      if (scheme === 'apikey') return byKey(ctx, credential);
      throw new FloodgateError('UNAUTHORIZED', 'Unsupported authorization scheme');
    },
  };
}

function bySession(
  ctx: RequestContext,
  sessions: Pick<SessionVerifier, 'verify'>,
  token: string,
): boolean | Promise<boolean> {
  const verified = sessions.verify(token);
  if (verified === null) throw new FloodgateError('INVALID_TOKEN');
  if (verified instanceof Promise) return settleSession(ctx, verified);
  ctx.identity = verified.identity;
  ctx.tokenHash = verified.tokenHash;
  return NEXT;
}

async function settleSession(
  ctx: RequestContext,
  pending: Promise<VerifiedSession | null>,
): Promise<boolean> {
  const verified = await pending;
  if (verified === null) throw new FloodgateError('INVALID_TOKEN');
  ctx.identity = verified.identity;
  ctx.tokenHash = verified.tokenHash;
  return NEXT;
}

async function settleKey(ctx: RequestContext, pending: Promise<VerifiedApiKey | null>): Promise<boolean> {
  const verified = await pending;
  if (verified === null) throw new FloodgateError('INVALID_API_KEY');
  ctx.identity = verified.identity;
  return NEXT;
}

/** The token of a `Bearer` credential (scheme case-insensitive), or null for any other scheme. */
export function bearerToken(authorization: string): string | null {
  const space = authorization.indexOf(' ');
  if (space !== 6 || authorization.slice(0, 6).toLowerCase() !== 'bearer') return null;
  return authorization.slice(7).trim();
}
