import type { JsonObject } from '@floodgate/database';
import { FloodgateError, type Router, readJsonBody, sendJson } from '@floodgate/shared';
import { z } from 'zod';
import type { AppDeps } from '../app-deps.js';
import type { Handler } from '../http/request-context.js';
import { parseId, parseWith } from '../http/validate.js';

const name = z.string().min(1).max(200);
const type = z.string().min(1).max(50);
const data = z.record(z.string(), z.json()).transform((v) => v as JsonObject);

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

/**
 * /api/v1/resources: cursor-paginated list and reads for anyone; create, replace (PUT), patch and
 * delete for any authenticated user. Bodies are strict: unknown fields are rejected.
 */
export function registerResourceRoutes(router: Router<Handler>, deps: AppDeps): void {
  const { resources, authenticate, config } = deps;
  const limitBytes = config.bodyLimitBytes;

  router.add('GET', '/api/v1/resources', async (ctx) => {
    const q = ctx.query;
    const query = parseWith(
      ListQuery,
      { limit: q.get('limit') ?? undefined, cursor: q.get('cursor') || undefined },
      'query',
    );
    sendJson(ctx.res, 200, await resources.list(query));
  });

  router.add('GET', '/api/v1/resources/:id', async ({ res, params }) => {
    const id = parseId(params.id);
    const resource = await resources.get(id);
    if (!resource) throw notFound(id);
    sendJson(res, 200, resource);
  });

  router.add('POST', '/api/v1/resources', async ({ req, res }) => {
    const session = await authenticate(req);
    const body = parseWith(CreateBody, await readJsonBody(req, limitBytes));
    const created = await resources.create({ ...body, ownerId: session.userId });
    sendJson(res, 201, created, { location: `/api/v1/resources/${created.id}` });
  });

  router.add('PUT', '/api/v1/resources/:id', async ({ req, res, params }) => {
    await authenticate(req);
    const id = parseId(params.id);
    const body = parseWith(ReplaceBody, await readJsonBody(req, limitBytes));
    const updated = await resources.replace(id, body);
    if (!updated) throw notFound(id);
    sendJson(res, 200, updated);
  });

  router.add('PATCH', '/api/v1/resources/:id', async ({ req, res, params }) => {
    await authenticate(req);
    const id = parseId(params.id);
    const body = parseWith(PatchBody, await readJsonBody(req, limitBytes));
    const updated = await resources.patch(id, body);
    if (!updated) throw notFound(id);
    sendJson(res, 200, updated);
  });

  router.add('DELETE', '/api/v1/resources/:id', async ({ req, res, params }) => {
    await authenticate(req);
    const id = parseId(params.id);
    if (!(await resources.delete(id))) throw notFound(id);
    res.statusCode = 204;
    res.end();
  });
}
