import type { IncomingMessage } from 'node:http';
import { FloodgateError, Router, readBodyWith } from '@floodgate/shared';
import type { z } from 'zod';

/** What an admin route receives: the request, its path parameters and its query. */
export interface AdminRequest {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
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

/** Reads and validates an admin body (415, 400 INVALID_JSON, 400 VALIDATION_FAILED; see `readBodyWith`). */
export function readAdminBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
  return readBodyWith(req, schema, ADMIN_BODY_LIMIT_BYTES);
}

/** 404 for an unknown backend id. */
export function unknownBackend(id: string): FloodgateError {
  return new FloodgateError('NOT_FOUND', `No backend with id ${id}`);
}

/** Position of a backend in list order: the pool numbers ids `api-<n>` in the order it adds them. */
export function backendSequence(backend: { id: string }): number {
  return Number(backend.id.slice(backend.id.lastIndexOf('-') + 1));
}
