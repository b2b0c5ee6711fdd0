import { z } from 'zod';
import {
  ApiKeyChangeAnswer,
  ApiKeyPage,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKeyAnswer,
  UpdateApiKeyBody,
} from './api-keys.js';
import { AddBackendBody, BackendAnswer, BackendId, BackendPage } from './backends.js';
import {
  CacheClearOverviewAnswer,
  CacheClearResultAnswer,
  CacheInstanceStatsAnswer,
  CacheOverviewAnswer,
  CachePrefixQuery,
  CacheScope,
} from './cache.js';
import { CircuitBreakerAnswer, CircuitBreakerPage } from './circuit-breakers.js';
import { DashboardAnswer } from './dashboard.js';
import { LbStatusAnswer } from './lb-status.js';
import { PageQuery } from './pagination.js';
import { RateLimitOverviewAnswer } from './rate-limits.js';

/**
 * The admin API's version. The major is the `/api/v1/admin` in every path; docs/admin-api.md says
 * what counts as a breaking change (which needs a new major and path).
 */
export const ADMIN_API_VERSION = '1.0.0';

/** Prefix of every gateway admin route. */
export const ADMIN_API_PREFIX = '/api/v1/admin';

/** Which process answers an endpoint. */
export type AdminServer = 'gateway' | 'balancer' | 'api-server';

/** How a caller proves it may call the endpoint. */
export type AdminAuth = 'admin-session' | 'lb-admin-token' | 'internal-token' | 'none';

/** One admin or status endpoint: everything a client, a producer and the OpenAPI document need. */
export interface AdminEndpoint {
  operationId: string;
  server: AdminServer;
  auth: AdminAuth;
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI template, e.g. `/api/v1/admin/backends/{id}`. */
  path: string;
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success answer. */
  ok: { status: 200 | 201; schema: z.ZodType };
  /** Statuses answered with the error envelope, besides 401/403 for authenticated endpoints. */
  errors: readonly number[];
}

const BackendParams = z.object({ id: BackendId });
const CacheKeyParams = z.object({ key: z.string().meta({ description: 'URL-encoded, e.g. resource%3A42' }) });

/** Backend and breaker control: the balancer's own routes, which the gateway forwards one to one. */
function balancerControl(prefix: string, server: AdminServer, auth: AdminAuth): AdminEndpoint[] {
  const via = server === 'gateway' ? ' (forwarded to the balancer)' : '';
  const op = (name: string) => (server === 'gateway' ? name : `lb${name[0]?.toUpperCase()}${name.slice(1)}`);
  const upstream = server === 'gateway' ? [502, 504] : [];
  const base = { server, auth } as const;
  const breakerAction = (action: 'open' | 'close' | 'reset', summary: string): AdminEndpoint => ({
    ...base,
    operationId: op(`${action}CircuitBreaker`),
    method: 'post',
    path: `${prefix}/circuit-breakers/{id}/${action}`,
    summary: summary + via,
    params: BackendParams,
    ok: { status: 200, schema: CircuitBreakerAnswer },
    errors: [404, ...upstream],
  });
  return [
    {
      ...base,
      operationId: op('listBackends'),
      method: 'get',
      path: `${prefix}/backends`,
      summary: `Backends with health, breaker state, drain state and counters${via}`,
      query: PageQuery,
      ok: { status: 200, schema: BackendPage },
      errors: [400, ...upstream],
    },
    {
      ...base,
      operationId: op('addBackend'),
      method: 'post',
      path: `${prefix}/backends`,
      summary: `Add a backend; 409 when its URL is already in the pool${via}`,
      body: AddBackendBody,
      ok: { status: 201, schema: BackendAnswer },
      errors: [400, 409, 413, 415, ...upstream],
    },
    {
      ...base,
      operationId: op('getBackend'),
      method: 'get',
      path: `${prefix}/backends/{id}`,
      summary: `One backend${via}`,
      params: BackendParams,
      ok: { status: 200, schema: BackendAnswer },
      errors: [404, ...upstream],
    },
    {
      ...base,
      operationId: op('removeBackend'),
      method: 'delete',
      path: `${prefix}/backends/{id}`,
      summary: `Remove a backend: out of rotation at once, its in-flight requests finish${via}`,
      params: BackendParams,
      ok: { status: 200, schema: BackendAnswer },
      errors: [404, ...upstream],
    },
    {
      ...base,
      operationId: op('drainBackend'),
      method: 'post',
      path: `${prefix}/backends/{id}/drain`,
      summary: `Send a backend no new requests; in-flight ones finish${via}`,
      params: BackendParams,
      ok: { status: 200, schema: BackendAnswer },
      errors: [404, ...upstream],
    },
    {
      ...base,
      operationId: op('enableBackend'),
      method: 'post',
      path: `${prefix}/backends/{id}/enable`,
      summary: `End a drain${via}`,
      params: BackendParams,
      ok: { status: 200, schema: BackendAnswer },
      errors: [404, ...upstream],
    },
    {
      ...base,
      operationId: op('listCircuitBreakers'),
      method: 'get',
      path: `${prefix}/circuit-breakers`,
      summary: `Every backend's circuit breaker${via}`,
      query: PageQuery,
      ok: { status: 200, schema: CircuitBreakerPage },
      errors: [400, ...upstream],
    },
    breakerAction('open', 'Force a breaker open: no traffic and no trials until close or reset'),
    breakerAction('close', 'Close a breaker now (its rolling window keeps its history)'),
    breakerAction('reset', 'A fresh closed breaker with an empty window'),
  ];
}

const gateway = { server: 'gateway', auth: 'admin-session' } as const;
const cacheClear = { ok: { status: 200, schema: CacheClearOverviewAnswer }, errors: [400, 502] } as const;

/** Every admin and status endpoint of the three services. */
export const ADMIN_ENDPOINTS: readonly AdminEndpoint[] = [
  {
    ...gateway,
    operationId: 'getDashboard',
    method: 'get',
    path: `${ADMIN_API_PREFIX}/dashboard`,
    summary: "This gateway's counters and the balancer's live status",
    ok: { status: 200, schema: DashboardAnswer },
    errors: [],
  },
  {
    ...gateway,
    operationId: 'listApiKeys',
    method: 'get',
    path: `${ADMIN_API_PREFIX}/keys`,
    summary: 'API keys in creation order, revoked ones included (never a secret or hash)',
    query: PageQuery,
    ok: { status: 200, schema: ApiKeyPage },
    errors: [400],
  },
  {
    ...gateway,
    operationId: 'createApiKey',
    method: 'post',
    path: `${ADMIN_API_PREFIX}/keys`,
    summary: 'Create a key; the plain key is in this answer only',
    body: CreateApiKeyBody,
    ok: { status: 201, schema: CreatedApiKeyAnswer },
    errors: [400, 409, 413, 415],
  },
  {
    ...gateway,
    operationId: 'updateApiKey',
    method: 'patch',
    path: `${ADMIN_API_PREFIX}/keys/{id}`,
    summary: "Change the tier of the key's consumer (all its keys), on every gateway within a second",
    params: ApiKeyParams,
    body: UpdateApiKeyBody,
    ok: { status: 200, schema: ApiKeyChangeAnswer },
    errors: [400, 404, 413, 415],
  },
  {
    ...gateway,
    operationId: 'revokeApiKey',
    method: 'delete',
    path: `${ADMIN_API_PREFIX}/keys/{id}`,
    summary: 'Revoke a key: every gateway refuses it within a second',
    params: ApiKeyParams,
    ok: { status: 200, schema: ApiKeyChangeAnswer },
    errors: [400, 404],
  },
  {
    ...gateway,
    operationId: 'getRateLimits',
    method: 'get',
    path: `${ADMIN_API_PREFIX}/rate-limits`,
    summary: 'Tiers, route policies, where decisions are made, live gateways and the top consumers',
    ok: { status: 200, schema: RateLimitOverviewAnswer },
    errors: [],
  },
  {
    ...gateway,
    operationId: 'getCache',
    method: 'get',
    path: `${ADMIN_API_PREFIX}/cache`,
    summary: "Every api-server's cache stats, summed and one by one",
    ok: { status: 200, schema: CacheOverviewAnswer },
    errors: [502],
  },
  {
    ...gateway,
    ...cacheClear,
    operationId: 'clearCache',
    method: 'post',
    path: `${ADMIN_API_PREFIX}/cache/clear`,
    summary: 'Clear L1 and L2 on every api-server: everything (no body or {}), one key, or a prefix',
    body: CacheScope,
  },
  {
    ...gateway,
    ...cacheClear,
    operationId: 'clearCacheKey',
    method: 'delete',
    path: `${ADMIN_API_PREFIX}/cache/keys/{key}`,
    summary: 'Clear one key on every api-server',
    params: CacheKeyParams,
  },
  {
    ...gateway,
    ...cacheClear,
    operationId: 'clearCachePrefix',
    method: 'delete',
    path: `${ADMIN_API_PREFIX}/cache/keys`,
    summary: 'Clear every key with a prefix on every api-server',
    query: CachePrefixQuery,
  },
  ...balancerControl(ADMIN_API_PREFIX, 'gateway', 'admin-session'),
  {
    ...gateway,
    operationId: 'getOpenApiDocument',
    method: 'get',
    path: `${ADMIN_API_PREFIX}/openapi.json`,
    summary: 'This document',
    ok: { status: 200, schema: z.looseObject({ openapi: z.string() }) },
    errors: [],
  },
  {
    server: 'balancer',
    auth: 'none',
    operationId: 'getLbStatus',
    method: 'get',
    path: '/lb/status',
    summary: 'The algorithm and every backend (no token: answers anyone who reaches the balancer)',
    ok: { status: 200, schema: LbStatusAnswer },
    errors: [],
  },
  ...balancerControl('/lb/admin', 'balancer', 'lb-admin-token'),
  {
    server: 'api-server',
    auth: 'internal-token',
    operationId: 'getInstanceCache',
    method: 'get',
    path: '/internal/cache',
    summary: "This api-server's cache stats",
    ok: { status: 200, schema: CacheInstanceStatsAnswer },
    errors: [],
  },
  {
    server: 'api-server',
    auth: 'internal-token',
    operationId: 'clearInstanceCache',
    method: 'post',
    path: '/internal/cache/clear',
    summary: 'Clear L1 here and the matching L2 entries',
    body: CacheScope,
    ok: { status: 200, schema: CacheClearResultAnswer },
    errors: [400, 413, 415],
  },
];
