import { type Router, readJsonBody, sendJson } from '@floodgate/shared';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { CACHE_KEY_PATTERN } from '../cache/cache-keys.js';
import { createInternalAuth } from '../http/internal-auth.js';
import type { Handler } from '../http/request-context.js';
import { parseWith } from '../http/validate.js';

const cacheKey = z.string().regex(CACHE_KEY_PATTERN, 'letters, digits and : . _ - (1-200)');
const ClearBody = z
  .strictObject({ key: cacheKey.optional(), prefix: cacheKey.optional() })
  .refine((v) => v.key === undefined || v.prefix === undefined, { message: 'give key or prefix, not both' });

/**
 * Instance-level cache control, called by the gateway's admin API for every api-server it learns of
 * from the load balancer (never proxied: the gateway forwards only /api/*).
 * `GET /internal/cache`: this instance's cache stats. `POST /internal/cache/clear` with `{}` (all),
 * `{"key": K}` or `{"prefix": P}`: drops L1 here and the matching L2 values.
 */
export function registerInternalCacheRoutes(router: Router<Handler>, deps: AppDeps): void {
  const { cache, config } = deps;
  const guard = createInternalAuth(config.internalToken);
  const instanceId = config.instanceId;

  router.add('GET', '/internal/cache', ({ req, res }) => {
    guard(req);
    sendJson(res, 200, { instanceId, ...cache.stats() });
  });

  router.add('POST', '/internal/cache/clear', async ({ req, res }) => {
    guard(req);
    const body = parseWith(ClearBody, (await readJsonBody(req, 4096)) ?? {});
    const cleared = await cache.clear(body);
    sendJson(res, 200, { instanceId, scope: body, cleared });
  });
}
