import type { Role, Tier } from '@floodgate/database';

/** A caller that presented no credentials. */
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
}

export type Identity = AnonymousIdentity | UserIdentity;

export const ANONYMOUS: AnonymousIdentity = Object.freeze({ kind: 'anonymous' });

/** The tier a request is limited and labelled by. */
export function tierOf(identity: Identity): Tier {
  return identity.kind === 'user' ? identity.tier : 'anonymous';
}
