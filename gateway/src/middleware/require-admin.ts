import { FloodgateError } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

/**
 * Lets only admin users through: anonymous → 401 UNAUTHORIZED; a non-admin user or any API-key
 * consumer (keys never carry the admin role) → 403 FORBIDDEN.
 */
export function createRequireAdminStage(): Stage {
  return {
    name: 'requireAdmin',
    handle(ctx: RequestContext) {
      const identity = ctx.identity;
      if (identity.kind === 'anonymous') throw new FloodgateError('UNAUTHORIZED');
      if (identity.kind !== 'user' || identity.role !== 'admin') throw new FloodgateError('FORBIDDEN');
      return NEXT;
    },
  };
}
