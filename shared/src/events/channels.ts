/**
 * Event-bus channel names (the bus adds the deployment's key prefix). Message formats:
 * - sessionRevoked: the SHA-256 hex of the revoked session token.
 */
export const Channels = {
  sessionRevoked: 'sessions:revoked',
} as const;
