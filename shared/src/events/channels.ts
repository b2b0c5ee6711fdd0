/**
 * Event-bus channel names (the bus adds the deployment's key prefix). Message formats:
 * - sessionRevoked: the SHA-256 hex of the revoked session token.
 * - apiKeyRevoked: the decimal id of the revoked API key.
 * - apiKeyChanged: the decimal id of an API key whose consumer changed (e.g. its tier).
 */
export const Channels = {
  sessionRevoked: 'sessions:revoked',
  apiKeyRevoked: 'api-keys:revoked',
  apiKeyChanged: 'api-keys:changed',
} as const;
