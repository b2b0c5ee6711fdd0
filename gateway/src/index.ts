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
