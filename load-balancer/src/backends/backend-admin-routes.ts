import { parseQuery } from '@floodgate/shared';
import {
  AddBackendBody,
  type BackendAnswer,
  type BackendPage,
  PageQuery,
  paginate,
} from '@floodgate/shared/admin-api';
import { type AdminRouter, backendSequence, readAdminBody, unknownBackend } from '../admin/admin-route.js';
import type { Backend } from './backend.js';
import type { BackendPool } from './backend-pool.js';

/**
 * Runtime control of the backend set (wire shapes: `@floodgate/shared/admin-api`):
 * - `GET /lb/admin/backends?limit&cursor` → `{data, nextCursor}`; `GET /lb/admin/backends/:id` → `{data}`
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
  const answer = (backend: Backend, status = 200) => {
    const body: BackendAnswer = { data: backend.toStatus() };
    return { status, body };
  };
  router.add('GET', '/lb/admin/backends', ({ query }) => {
    const page = paginate(pool.backends, parseQuery(PageQuery, query), backendSequence);
    const body: BackendPage = { data: page.data.map((b) => b.toStatus()), nextCursor: page.nextCursor };
    return { status: 200, body };
  });
  router.add('POST', '/lb/admin/backends', async ({ req }) => {
    const { url, weight } = await readAdminBody(req, AddBackendBody);
    return answer(pool.add(url, weight), 201);
  });
  router.add('GET', '/lb/admin/backends/:id', ({ params }) => answer(find(params.id)));
  router.add('DELETE', '/lb/admin/backends/:id', ({ params }) => {
    const removed = pool.remove(find(params.id).id);
    if (removed === undefined) throw unknownBackend(String(params.id));
    return answer(removed.backend);
  });
  router.add('POST', '/lb/admin/backends/:id/drain', ({ params }) => {
    const backend = find(params.id);
    pool.setDraining(backend.id, true);
    return answer(backend);
  });
  router.add('POST', '/lb/admin/backends/:id/enable', ({ params }) => {
    const backend = find(params.id);
    pool.setDraining(backend.id, false);
    return answer(backend);
  });
}
