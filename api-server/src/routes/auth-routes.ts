import { hashPassword, passwordNeedsRehash, verifyPassword } from '@floodgate/database';
import {
  Channels,
  FloodgateError,
  parseWith,
  type RouteHandler,
  type Router,
  readJsonBody,
  sendJson,
} from '@floodgate/shared';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';

const LoginBody = z.strictObject({
  email: z.string().min(1).max(320),
  // Every byte counts (scrypt); the cap only bounds the work a request can cause.
  password: z.string().min(1).max(1024),
});

/**
 * POST /api/v1/auth/login, POST /api/v1/auth/logout, GET /api/v1/me.
 * Logout revokes in PostgreSQL, then publishes the token hash on Channels.sessionRevoked so every
 * gateway drops its cached copy.
 */
export function registerAuthRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  const { users, sessions, authenticate, eventBus, logger, config } = deps;

  router.add('POST', '/api/v1/auth/login', async ({ req, res }) => {
    const body = parseWith(LoginBody, await readJsonBody(req, config.bodyLimitBytes));
    const user = await users.findByEmail(body.email);
    // Always one hash (a dummy one for unknown emails), off the event loop: timing does not reveal
    // accounts, and logins do not hold up other requests.
    const ok = await verifyPassword(body.password, user?.passwordHash ?? null);
    if (!user || !ok) throw new FloodgateError('INVALID_CREDENTIALS');
    if (passwordNeedsRehash(user.passwordHash, body.password)) {
      // Legacy bcrypt (or older parameters) → scrypt, in the background: the login does not wait.
      void hashPassword(body.password)
        .then((hash) => users.replacePasswordHash(user.id, user.passwordHash, hash))
        .catch((err: unknown) =>
          logger.warn(
            { userId: user.id, err: (err as Error).message },
            'password rehash failed; retried at next login',
          ),
        );
    }
    const session = await sessions.create(user.id, config.sessionTtlSeconds);
    sendJson(res, 200, {
      token: session.token,
      expiresAt: session.expiresAt.toISOString(),
      user: { id: user.id, email: user.email, name: user.name, role: user.role, tier: user.tier },
    });
  });

  router.add('POST', '/api/v1/auth/logout', async ({ req, res, requestId }) => {
    const session = await authenticate(req);
    await sessions.revoke(session.tokenHash);
    try {
      await eventBus.publish(Channels.sessionRevoked, session.tokenHash);
    } catch (err) {
      // Revoked in PostgreSQL regardless; gateways then drop it when their cache entry expires.
      logger.warn({ reqId: requestId, err: (err as Error).message }, 'session revocation not broadcast');
    }
    res.statusCode = 204;
    res.end();
  });

  router.add('GET', '/api/v1/me', async ({ req, res }) => {
    const s = await authenticate(req);
    sendJson(res, 200, { user: { id: s.userId, email: s.email, name: s.name, role: s.role, tier: s.tier } });
  });
}
