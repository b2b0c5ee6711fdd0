export { createCaptureLogger } from './capture-logger.js';
export { type FetchJsonOptions, fetchJson, type JsonBody, type JsonResponse } from './fetch-json.js';
export { getFreePort } from './free-port.js';
export { type CallOptions, type CallResult, call, rawExchange } from './http-call.js';
export { login } from './login.js';
export { startRedisServer, type TestRedisServer } from './redis-server.js';
export { type CutPoint, type ProxyMode, startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from './test-database.js';
export {
  isProcessRunning,
  type ProcessExit,
  runNodeProcess,
  startNodeProcess,
  startTestProcess,
  type TestProcess,
  type TestProcessOptions,
} from './test-process.js';
export { connectTestRedis, deleteRedisPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from './test-redis.js';
export { waitUntil } from './wait-until.js';
