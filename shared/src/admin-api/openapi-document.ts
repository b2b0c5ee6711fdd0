import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import {
  ADMIN_API_VERSION,
  ADMIN_ENDPOINTS,
  type AdminAuth,
  type AdminEndpoint,
  type AdminServer,
} from './admin-endpoints.js';
import { ErrorEnvelope } from './envelope.js';

const SERVERS: Record<AdminServer, { url: string; description: string }> = {
  gateway: { url: 'http://localhost:8080', description: 'The gateway (GATEWAY_PORT)' },
  balancer: { url: 'http://localhost:3000', description: 'The load balancer (LB_PORT)' },
  'api-server': { url: 'http://localhost:3001', description: 'Each api-server (PORT)' },
};

const SECURITY: Record<AdminAuth, Record<string, string[]>[]> = {
  'admin-session': [{ adminSession: [] }],
  'lb-admin-token': [{ lbAdminToken: [] }],
  'internal-token': [{ internalToken: [] }],
  none: [],
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: VALIDATION_FAILED with details.issues [{path, message}], or INVALID_JSON',
  401: 'No valid token',
  403: 'Not allowed: not an admin, or (without a token configured) not a loopback client',
  404: 'No such route or item',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Body is not JSON',
  502: 'The balancer or an api-server could not be reached or refused the gateway',
  504: 'The balancer did not answer in time',
};

function operation(e: AdminEndpoint): ZodOpenApiOperationObject {
  const errorStatuses = [...(e.auth === 'none' ? [] : [401, 403]), ...e.errors].sort((a, b) => a - b);
  const responses: Record<string, ZodOpenApiResponseObject> = {
    [e.ok.status]: {
      description: e.ok.status === 201 ? 'Created' : 'OK',
      content: { 'application/json': { schema: e.ok.schema } },
    },
  };
  for (const status of new Set(errorStatuses)) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: ErrorEnvelope } },
    };
  }
  return {
    operationId: e.operationId,
    summary: e.summary,
    tags: [e.server],
    ...(e.server === 'gateway' ? {} : { servers: [SERVERS[e.server]] }),
    security: SECURITY[e.auth],
    ...(e.params || e.query
      ? { requestParams: { ...(e.params ? { path: e.params } : {}), ...(e.query ? { query: e.query } : {}) } }
      : {}),
    ...(e.body ? { requestBody: { content: { 'application/json': { schema: e.body } } } } : {}),
    responses: responses as ZodOpenApiOperationObject['responses'],
  };
}

/** The OpenAPI 3.1 document of every admin and status endpoint, generated from the shared schemas. */
export function createAdminOpenApiDocument(): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const e of ADMIN_ENDPOINTS) {
    paths[e.path] ??= {};
    (paths[e.path] as Record<string, ZodOpenApiOperationObject>)[e.method] = operation(e);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Floodgate admin API',
      version: ADMIN_API_VERSION,
      description:
        'Admin and status endpoints of the gateway, the load balancer and the api-servers. Lists answer ' +
        '`{data: [...], nextCursor}` (pass `nextCursor` back as `cursor`), one object `{data: {...}}`, errors ' +
        '`{"error":{"code","message","requestId"}}`; times are ISO-8601, durations end in `Ms`. ' +
        'Versioning and what counts as a breaking change: docs/admin-api.md.',
    },
    servers: [SERVERS.gateway],
    tags: [
      { name: 'gateway', description: 'The admin API: admin role (a session token of an admin user)' },
      {
        name: 'balancer',
        description: 'The balancer: /lb/admin/* needs LB_ADMIN_TOKEN (unset: loopback clients only)',
      },
      {
        name: 'api-server',
        description: 'Each api-server: /internal/* needs INTERNAL_TOKEN (unset: loopback clients only)',
      },
    ],
    components: {
      securitySchemes: {
        adminSession: {
          type: 'http',
          scheme: 'bearer',
          description: 'A session token of an admin user (POST /api/v1/auth/login)',
        },
        lbAdminToken: { type: 'http', scheme: 'bearer', description: "The balancer's LB_ADMIN_TOKEN" },
        internalToken: { type: 'http', scheme: 'bearer', description: "The api-servers' INTERNAL_TOKEN" },
      },
    },
    paths,
  });
}
