/**
 * Event-bus channel names (the bus adds the deployment's key prefix). Message formats:
 * - sessionRevoked: the SHA-256 hex of the revoked session token.
 * - apiKeyRevoked: the decimal id of the revoked API key.
 * - apiKeyChanged: the decimal id of an API key whose consumer changed (e.g. its tier).
 * - webSocketRooms: JSON `{origin, room, payload}`: a WebSocket room message for every instance's
 *   members (`payload` is the frame as sent to clients; an instance skips its own `origin`).
 */
export const Channels = {
  sessionRevoked: 'sessions:revoked',
  apiKeyRevoked: 'api-keys:revoked',
  apiKeyChanged: 'api-keys:changed',
  webSocketRooms: 'ws:rooms',
} as const;
