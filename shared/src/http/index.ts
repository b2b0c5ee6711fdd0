export { CLIENT_CLOSED_REQUEST } from './client-closed-request.js';
export { createRouteServer, type RouteServer, type RouteServerOptions } from './create-route-server.js';
export { drainServer } from './drain-server.js';
export {
  appendForwardedHeaders,
  HOP_BY_HOP_HEADERS,
  stripHopByHop,
} from './hop-by-hop.js';
export {
  isValidIdempotencyKey,
  MALFORMED_IDEMPOTENCY_KEY,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKey,
} from './idempotency-key.js';
export { listen } from './listen.js';
export { matchRoute, UNMATCHED_ROUTE } from './match-route.js';
export { parseQuery, parseWith, readBodyWith, type ValidationIssue, validationFailed } from './parse-with.js';
export { readJsonBody } from './read-json-body.js';
export { RouteContext, type RouteHandler } from './route-context.js';
export { type RouteMatch, type RouteResult, Router } from './router.js';
export { sendError, sendJson } from './send-json.js';
export { shutdownServer } from './shutdown-server.js';
export {
  createTokenOrLoopbackGuard,
  type TokenOrLoopbackGuardOptions,
} from './token-or-loopback-guard.js';
export { refuseUpgrade } from './upgrade-error.js';
export { type TunnelOptions, WebSocketTunnels, type WebSocketTunnelsOptions } from './websocket-tunnels.js';
