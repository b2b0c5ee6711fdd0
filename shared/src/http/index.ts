export { drainServer, trackConnections } from './drain-server.js';
export { connectionTokens, HOP_BY_HOP_HEADERS } from './hop-by-hop.js';
export {
  isValidIdempotencyKey,
  MALFORMED_IDEMPOTENCY_KEY,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKey,
} from './idempotency-key.js';
export { listen } from './listen.js';
export { parseQuery, parseWith, readBodyWith, type ValidationIssue, validationFailed } from './parse-with.js';
export { jsonDepth, MAX_JSON_DEPTH, readJsonBody } from './read-json-body.js';
export { type RouteMatch, type RouteResult, Router } from './router.js';
export { sendError, sendJson } from './send-json.js';
export { shutdownServer } from './shutdown-server.js';
export {
  createTokenOrLoopbackGuard,
  isLoopbackAddress,
  type TokenOrLoopbackGuardOptions,
} from './token-or-loopback-guard.js';
export { refuseUpgrade } from './upgrade-error.js';
