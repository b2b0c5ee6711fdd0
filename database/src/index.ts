export {
  API_KEY_PREFIX_LENGTH,
  API_KEY_SCHEME,
  apiKeyHashesEqual,
  apiKeyPrefix,
  createApiKeyHasher,
  generateApiKey,
} from './api-key.js';
export {
  loadMigrations,
  MIGRATION_LOCK_KEY,
  MIGRATIONS_DIR,
  type Migration,
  type RunMigrationsOptions,
  runMigrations,
} from './migrate.js';
export { MigrationError } from './migration-error.js';
export {
  BCRYPT_MAX_PASSWORD_BYTES,
  hashPassword,
  PASSWORD_HASH_PARAMS,
  passwordNeedsRehash,
  verifyPassword,
} from './passwords.js';
export {
  type ActiveApiKey,
  type ApiKeyInfo,
  ApiKeyRepository,
  type CreatedApiKey,
  MAX_API_KEY_LIST,
} from './repositories/api-key-repository.js';
export {
  type IdempotencyRecord,
  IdempotencyRepository,
  type StoredResponse,
} from './repositories/idempotency-repository.js';
export { MAX_INT_ID, type Queryable } from './repositories/queryable.js';
export { decodeResourceCursor, encodeResourceCursor } from './repositories/resource-cursor.js';
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
  SEED_LOCK_KEY,
  seedDevApiKeys,
  seedDevData,
} from './seed-dev-data.js';
export { generateSessionToken, hashSessionToken, isWellFormedSessionToken } from './session-token.js';
