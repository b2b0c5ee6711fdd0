import type { IncomingMessage } from 'node:http';
import {
  hashSessionToken,
  isWellFormedSessionToken,
  type SessionRecord,
  type SessionRepository,
} from '@floodgate/database';
import { FloodgateError } from '@floodgate/shared';

const BEARER = /^Bearer(?:\s+(\S*))?\s*$/i;

export type Authenticate = (req: IncomingMessage) => Promise<SessionRecord & { token: string }>;

/**
 * Bearer-session authentication against PostgreSQL, one indexed query, no cache: the api-server
 * is always exactly right about revocations. No Authorization (or another scheme) → UNAUTHORIZED;
 * a malformed, unknown, revoked or expired token → INVALID_TOKEN. Identity headers sent by the
 * client (x-user-id, x-user-role) are never consulted.
 */
export function createAuthenticator(sessions: SessionRepository): Authenticate {
  return async (req) => {
    const header = req.headers.authorization;
    const m = header === undefined ? null : BEARER.exec(header);
    if (!m)
      throw new FloodgateError('UNAUTHORIZED', 'Authentication required: Authorization: Bearer <token>');
    const token = m[1] ?? '';
    if (!isWellFormedSessionToken(token)) throw new FloodgateError('INVALID_TOKEN');
    const session = await sessions.findActive(hashSessionToken(token));
    if (!session) throw new FloodgateError('INVALID_TOKEN');
    return { ...session, token };
  };
}
