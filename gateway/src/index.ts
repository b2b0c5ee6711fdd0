export { AdmissionController, type AdmissionOptions } from './admission/admission-controller.js';
export { type ApiKeyLookup, ApiKeyVerifier, type VerifiedApiKey } from './auth/api-key-verifier.js';
export { ClientIpResolver } from './auth/client-ip.js';
export type { ConsumerIdentity } from './auth/identity.js';
export {
  ANONYMOUS,
  type AnonymousIdentity,
  type Identity,
  tierOf,
  type UserIdentity,
} from './auth/identity.js';
export {
  SessionVerifier,
  type SessionVerifierOptions,
  type VerifiedSession,
} from './auth/session-verifier.js';
export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { createGatewayPipelines, type GatewayPipelines } from './gateway-pipelines.js';
export { ADMIN_PREFIX, GatewayRouter } from './gateway-router.js';
export { Pipeline } from './pipeline/pipeline.js';
export { RequestContext } from './pipeline/request-context.js';
export { DONE, NEXT, type Stage, type StageResult } from './pipeline/stage.js';
export { Limiter, type LimiterOptions } from './rate-limit/limiter.js';
export { MemoryRateLimitStore } from './rate-limit/memory-store.js';
export { createRateLimitPolicies, type RateLimitPolicies } from './rate-limit/rate-limit-policies.js';
export { createRateLimitPolicy, type RateLimitPolicy } from './rate-limit/rate-limit-policy.js';
export type { RateLimitDecision, RateLimitStore } from './rate-limit/rate-limit-store.js';
export { RedisRateLimitStore } from './rate-limit/redis-store.js';
