import { sendJson } from '@floodgate/shared';
import { createAdminOpenApiDocument } from '@floodgate/shared/admin-api/openapi-document';
import type { AdminRoute } from './admin-stage.js';

/** `GET /api/v1/admin/openapi.json`: the OpenAPI 3.1 document of the admin API, built once at startup. */
export function createOpenApiAdminRoutes(): AdminRoute[] {
  const document = createAdminOpenApiDocument();
  return [
    {
      method: 'GET',
      path: '/api/v1/admin/openapi.json',
      handler(ctx) {
        sendJson(ctx.res, 200, document, { 'cache-control': 'no-cache' });
      },
    },
  ];
}
