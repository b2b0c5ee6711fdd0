import type { Role, Tier } from '@floodgate/database';

/** A caller that presented no credentials (limited per client IP). */
export interface AnonymousIdentity {
  readonly kind: 'anonymous';
}

/** A caller with a verified session. */
export interface UserIdentity {
  readonly kind: 'user';
  readonly userId: number;
  readonly role: Role;
  readonly tier: Tier;
  readonly email: string;
  /** What the tier limit counts by: `u:<userId>`. */
  readonly subject: string;
}

/** A caller with a verified API key: the key's consumer. */
export interface ConsumerIdentity {
  readonly kind: 'consumer';
  readonly consumerId: number;
  /** The consumer's name. */
  readonly name: string;
  readonly tier: Tier;
  readonly keyId: number;
  readonly keyPrefix: string;
  /** What the tier limit counts by: `c:<consumerId>` (all of a consumer's keys share its quota). */
  readonly subject: string;
}

export type Identity = AnonymousIdentity | UserIdentity | ConsumerIdentity;

export const ANONYMOUS: AnonymousIdentity = Object.freeze({ kind: 'anonymous' });

/** The tier a request is limited, labelled and admitted by. */
export function tierOf(identity: Identity): Tier {
  return identity.kind === 'anonymous' ? 'anonymous' : identity.tier;
}
