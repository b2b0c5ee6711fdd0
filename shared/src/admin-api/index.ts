// The wire contract of every admin and status endpoint. Browser-safe: nothing here imports Node
// (admin-api.test.ts checks), so the dashboard can import it as `@floodgate/shared/admin-api`.
export {
  ADMIN_API_PREFIX,
  ADMIN_API_VERSION,
  ADMIN_ENDPOINTS,
  type AdminAuth,
  type AdminEndpoint,
  type AdminServer,
} from './admin-endpoints.js';
export {
  ApiKey,
  ApiKeyChange,
  ApiKeyChangeAnswer,
  ApiKeyId,
  ApiKeyPage,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKey,
  CreatedApiKeyAnswer,
  Tier,
  UpdateApiKeyBody,
} from './api-keys.js';
export {
  AddBackendBody,
  BACKEND_ID_PATTERN,
  BackendAnswer,
  BackendId,
  BackendPage,
  BackendStatus,
  CircuitState,
} from './backends.js';
export {
  CACHE_KEY_PATTERN,
  CacheCleared,
  CacheClearOverview,
  CacheClearOverviewAnswer,
  CacheClearResult,
  CacheClearResultAnswer,
  CacheHitRatio,
  CacheInstanceStats,
  CacheInstanceStatsAnswer,
  CacheOverview,
  CacheOverviewAnswer,
  CachePrefixQuery,
  CacheScope,
} from './cache.js';
export { CircuitBreakerAnswer, CircuitBreakerPage, CircuitBreakerStatus } from './circuit-breakers.js';
export { Dashboard, DashboardAnswer } from './dashboard.js';
export { dataOf, ErrorEnvelope, type Page, pageOf, Timestamp } from './envelope.js';
export { LbAlgorithm, LbStatus, LbStatusAnswer } from './lb-status.js';
export {
  DEFAULT_PAGE_LIMIT,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_LIMIT,
  PageQuery,
  paginate,
} from './pagination.js';
export { FailMode, RateLimitMode, RateLimitOverview, RateLimitOverviewAnswer } from './rate-limits.js';
