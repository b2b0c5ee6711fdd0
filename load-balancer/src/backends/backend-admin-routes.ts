import { z } from 'zod';
import { type AdminRouter, readAdminBody, unknownBackend } from '../admin/admin-route.js';
import type { BackendStatus } from './backend.js';
import type { BackendPool } from './backend-pool.js';

/** `GET /lb/admin/backends` */
export interface BackendListResponse {
  algorithm: string;
  backends: BackendStatus[];
}

/** Every single-backend admin answer: the backend's state after the change. */
export interface BackendResponse {
  backend: BackendStatus;
}

/** An origin: http(s)://host[:port], nothing after it but an optional "/". */
const origin = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL' });
    return z.NEVER;
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    ctx.addIssue({ code: 'custom', message: 'must be an http(s) origin without path, query or credentials' });
    return z.NEVER;
  }
  return url.origin;
});

/** Body of `POST /lb/admin/backends`. */
export const AddBackendBody = z.strictObject({
  url: origin,
  /** Used by weighted-round-robin (and as the divisor of least-connections / power-of-two-choices). */
  weight: z.int().min(1).max(1000).optional(),
});

/**
 * Runtime control of the backend set:
 * - `GET /lb/admin/backends`, `GET /lb/admin/backends/:id`
 * - `POST /lb/admin/backends {url, weight?}` → 201; 409 CONFLICT when the URL is already in the pool
 * - `DELETE /lb/admin/backends/:id`: out of rotation at once; its connections close after in-flight requests end
 * - `POST /lb/admin/backends/:id/drain`: in-flight requests finish, no new ones are sent
 * - `POST /lb/admin/backends/:id/enable`: takes new requests again (ends a drain)
 */
export function registerBackendAdminRoutes(router: AdminRouter, pool: BackendPool): void {
  const find = (id: string | undefined) => {
    const backend = id === undefined ? undefined : pool.get(id);
    if (backend === undefined) throw unknownBackend(String(id));
    return backend;
  };
  router.add('GET', '/lb/admin/backends', () => {
    const body: BackendListResponse = {
      algorithm: pool.balancer.name,
      backends: pool.backends.map((b) => b.toStatus()),
    };
    return { status: 200, body };
  });
  router.add('POST', '/lb/admin/backends', async ({ req }) => {
    const { url, weight } = await readAdminBody(req, AddBackendBody);
    const body: BackendResponse = { backend: pool.add(url, weight).toStatus() };
    return { status: 201, body };
  });
  router.add('GET', '/lb/admin/backends/:id', ({ params }) => {
    const body: BackendResponse = { backend: find(params.id).toStatus() };
    return { status: 200, body };
  });
  router.add('DELETE', '/lb/admin/backends/:id', ({ params }) => {
    const removed = pool.remove(find(params.id).id);
    if (removed === undefined) throw unknownBackend(String(params.id));
    const body: BackendResponse = { backend: removed.backend.toStatus() };
    return { status: 200, body };
  });
  router.add('POST', '/lb/admin/backends/:id/drain', ({ params }) => {
    const backend = find(params.id);
    pool.setDraining(backend.id, true);
    const body: BackendResponse = { backend: backend.toStatus() };
    return { status: 200, body };
  });
  router.add('POST', '/lb/admin/backends/:id/enable', ({ params }) => {
    const backend = find(params.id);
    pool.setDraining(backend.id, false);
    const body: BackendResponse = { backend: backend.toStatus() };
    return { status: 200, body };
  });
}
