export {
  apiKeyHashesEqual,
  apiKeyPrefix,
  createApiKeyHasher,
  generateApiKey,
} from './api-key.js';
export {
  type Migration,
  type RunMigrationsOptions,
  runMigrations,
} from './migrate.js';
export {
  hashPassword,
  passwordNeedsRehash,
  verifyPassword,
} from './passwords.js';
export {
  type ActiveApiKey,
  type ApiKeyInfo,
  ApiKeyRepository,
  type CreatedApiKey,
} from './repositories/api-key-repository.js';
export {
  type IdempotencyRecord,
  IdempotencyRepository,
  type StoredResponse,
} from './repositories/idempotency-repository.js';
export type { Queryable } from './repositories/queryable.js';
export {
  type JsonObject,
  type NewResource,
  type Resource,
  type ResourcePage,
  type ResourcePatch,
  type ResourceReplacement,
  ResourceRepository,
} from './repositories/resource-repository.js';
export {
  type Role,
  type SessionRecord,
  SessionRepository,
  type Tier,
} from './repositories/session-repository.js';
export {
  type NewUser,
  type User,
  UserRepository,
  type UserWithPasswordHash,
} from './repositories/user-repository.js';
export {
  DEV_DEMO_KEYS,
  type DevDemoKey,
  seedDevData,
} from './seed-dev-data.js';
export { hashSessionToken, isWellFormedSessionToken } from './session-token.js';
