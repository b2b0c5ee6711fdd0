import { FloodgateError } from '@floodgate/shared';
import type { RequestContext } from '../pipeline/request-context.js';
import { NEXT, type Stage } from '../pipeline/stage.js';

/** Lets only admins through: anonymous → 401 UNAUTHORIZED, any other user → 403 FORBIDDEN. */
export function createRequireAdminStage(): Stage {
  return {
    name: 'requireAdmin',
    handle(ctx: RequestContext) {
      const identity = ctx.identity;
      if (identity.kind === 'anonymous') throw new FloodgateError('UNAUTHORIZED');
      if (identity.role !== 'admin') throw new FloodgateError('FORBIDDEN');
      return NEXT;
    },
  };
}
