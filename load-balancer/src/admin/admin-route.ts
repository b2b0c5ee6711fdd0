import type { IncomingMessage } from 'node:http';
import { FloodgateError, Router, readJsonBody } from '@floodgate/shared';
import type { z } from 'zod';

/** What an admin route receives: the request and its path parameters. */
export interface AdminRequest {
  req: IncomingMessage;
  params: Record<string, string>;
  requestId: string;
}

/** What an admin route answers: a status and a JSON body. Errors are thrown as FloodgateError. */
export interface AdminReply {
  status: number;
  body: unknown;
}

export type AdminRouteHandler = (request: AdminRequest) => AdminReply | Promise<AdminReply>;

/** The router admin features register their routes on (`registerXAdminRoutes(router, …)`). */
export type AdminRouter = Router<AdminRouteHandler>;

export function createAdminRouter(): AdminRouter {
  return new Router<AdminRouteHandler>();
}

/** Admin request bodies are tiny; anything larger is refused before it is read. */
const ADMIN_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Reads and validates a JSON body: 415 without a JSON content type, 400 INVALID_JSON when it does not
 * parse, 400 VALIDATION_FAILED with `details.issues: [{path, message}]` when the schema refuses it.
 */
export async function readAdminBody<S extends z.ZodType>(
  req: IncomingMessage,
  schema: S,
): Promise<z.output<S>> {
  const raw = await readJsonBody(req, ADMIN_BODY_LIMIT_BYTES);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues: { path: string; message: string }[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        issues.push({ path: path ? `${path}.${key}` : key, message: 'unknown field' });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
  throw new FloodgateError('VALIDATION_FAILED', `Invalid request body: ${summary}`, { details: { issues } });
}

/** 404 for an unknown backend id. */
export function unknownBackend(id: string): FloodgateError {
  return new FloodgateError('NOT_FOUND', `No backend with id ${id}`);
}
