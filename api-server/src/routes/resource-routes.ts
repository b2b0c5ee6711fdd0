import { type JsonObject, ResourceRepository } from '@floodgate/database';
import {
  FloodgateError,
  parseWith,
  type RouteHandler,
  type Router,
  readJsonBody,
  sendJson,
} from '@floodgate/shared';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import { listKey, resourceKey, resourceWriteTags } from '../cache/cache-keys.js';
import { parseId } from '../http/parse-id.js';
import { sendCached } from '../http/send-cached.js';
import { sendWriteOutcome } from '../http/send-write-outcome.js';

const name = z.string().min(1).max(200);
const type = z.string().min(1).max(50);
// The body came from JSON.parse, so everything inside `data` is JSON already. It is checked, not
// rebuilt: a rebuilt object loses keys such as "__proto__", and the data is stored exactly as sent.
const data = z.custom<JsonObject>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'must be a JSON object',
);

const CreateBody = z.strictObject({ name, type, data: data.optional() });
const ReplaceBody = CreateBody;
const PatchBody = z
  .strictObject({ name: name.optional(), type: type.optional(), data: data.optional() })
  .refine((v) => v.name !== undefined || v.type !== undefined || v.data !== undefined, {
    message: 'give at least one of name, type, data',
  });
const ListQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be an integer from 1 to 100')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'))
    .default(20),
  cursor: z.string().max(128).optional(),
});

const notFound = (id: number) => new FloodgateError('NOT_FOUND', `Resource ${id} not found`);

const writeTags = (r: { id: number }) => resourceWriteTags(r.id);

/** Idempotency-Key scope: keys are per user, so one user's key never meets another's. */
const scopeOf = (session: { userId: number }) => `user:${session.userId}`;

/**
 * /api/v1/resources: cursor-paginated list and reads for anyone, through the two-level cache
 * (`X-Cache`); create, replace (PUT), patch and delete for any authenticated user, each in a
 * transaction that carries its cache invalidation and answered only once every instance is
 * coherent (docs/caching.md). A 2xx means committed. POST and PATCH honour Idempotency-Key.
 * Bodies are strict: unknown fields are rejected.
 */
export function registerResourceRoutes(router: Router<RouteHandler>, deps: AppDeps): void {
  const { resources, authenticate, config, cache, idempotentWrites } = deps;
  const limitBytes = config.bodyLimitBytes;
  const compressMinBytes = config.cache.compressMinBytes;

  router.add('GET', '/api/v1/resources', async ({ req, res, query: q }) => {
    const query = parseWith(
      ListQuery,
      { limit: q.get('limit') ?? undefined, cursor: q.get('cursor') || undefined },
      'query',
    );
    const { status, value } = await cache.read(listKey(query.limit, query.cursor), async () =>
      JSON.stringify(await resources.list(query)),
    );
    sendCached(req, res, status, value as NonNullable<typeof value>, compressMinBytes);
  });

  router.add('GET', '/api/v1/resources/:id', async ({ req, res, params }) => {
    const id = parseId(params.id);
    const { status, value } = await cache.read(resourceKey(id), async () => {
      const resource = await resources.get(id);
      return resource ? JSON.stringify(resource) : null;
    });
    res.setHeader('x-cache', status);
    if (value === null) throw notFound(id);
    sendCached(req, res, status, value, compressMinBytes);
  });

  router.add('POST', '/api/v1/resources', async ({ req, res }) => {
    const session = await authenticate(req);
    const raw = await readJsonBody(req, limitBytes);
    const body = parseWith(CreateBody, raw);
    const claim = idempotentWrites.claim(req, scopeOf(session), raw);
    const outcome = await idempotentWrites.write(
      claim,
      async (db) => {
        const created = await new ResourceRepository(db).create({ ...body, ownerId: session.userId });
        return { status: 201, body: created, headers: { location: `/api/v1/resources/${created.id}` } };
      },
      writeTags,
    );
    if (!outcome) throw new FloodgateError('INTERNAL');
    sendWriteOutcome(res, outcome);
  });

  router.add('PUT', '/api/v1/resources/:id', async ({ req, res, params }) => {
    await authenticate(req);
    const id = parseId(params.id);
    const body = parseWith(ReplaceBody, await readJsonBody(req, limitBytes));
    const updated = await cache.write((db) => new ResourceRepository(db).replace(id, body), writeTags);
    if (!updated) throw notFound(id);
    sendJson(res, 200, updated);
  });

  router.add('PATCH', '/api/v1/resources/:id', async ({ req, res, params }) => {
    const session = await authenticate(req);
    const id = parseId(params.id);
    const raw = await readJsonBody(req, limitBytes);
    const body = parseWith(PatchBody, raw);
    const claim = idempotentWrites.claim(req, scopeOf(session), raw);
    const outcome = await idempotentWrites.write(
      claim,
      async (db) => {
        const updated = await new ResourceRepository(db).patch(id, body);
        return updated && { status: 200, body: updated };
      },
      writeTags,
    );
    if (!outcome) throw notFound(id);
    sendWriteOutcome(res, outcome);
  });

  router.add('DELETE', '/api/v1/resources/:id', async ({ req, res, params }) => {
    await authenticate(req);
    const id = parseId(params.id);
    const deleted = await cache.write(
      async (db) => ((await new ResourceRepository(db).delete(id)) ? { id } : null),
      writeTags,
    );
    if (!deleted) throw notFound(id);
    res.statusCode = 204;
    res.end();
  });
}
