export { createCaptureLogger } from './capture-logger.js';
export { type CutPoint, type CuttingProxy, startCuttingProxy } from './cutting-proxy.js';
export { getFreePort } from './free-port.js';
export { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from './test-database.js';
export { deleteRedisPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from './test-redis.js';
