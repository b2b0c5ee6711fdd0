import { FloodgateError, TIERS, type TierName } from '@floodgate/shared';
import type { AdmissionController } from '../admission/admission-controller.js';
import { tierOf } from '../auth/identity.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { DONE, NEXT, type Stage } from '../pipeline/stage.js';

/** Admission priority of each tier: its index in TIERS (anonymous 0 … enterprise 3). */
const TIER_RANK: Readonly<Record<TierName, number>> = Object.freeze(
  Object.fromEntries(TIERS.map((t, i) => [t, i])) as Record<TierName, number>,
);

/** Seconds a shed client is told to wait. */
const SHED_RETRY_AFTER_SECONDS = 1;

/**
 * Takes an admission slot for the request (released when its response closes) or sheds it with
 * 503 OVERLOADED + Retry-After at once; lower tiers are shed first (see AdmissionController).
 */
export function createAdmissionStage(deps: { controller: AdmissionController }): Stage {
  const controller = deps.controller;

  async function settle(ctx: RequestContext, pending: Promise<boolean>): Promise<boolean> {
    if (!(await pending)) throw overloaded(ctx);
    if (ctx.closed) {
      // The client left while queued: hand the slot on at once.
      controller.release();
      return DONE;
    }
    ctx.admitted = true;
    return NEXT;
  }

  return {
    name: 'admission',
    handle(ctx: RequestContext) {
      const result = controller.acquire(TIER_RANK[tierOf(ctx.identity) as TierName]);
      if (result === true) {
        ctx.admitted = true;
        return NEXT;
      }
      if (result === false) throw overloaded(ctx);
      return settle(ctx, result);
    },
  };
}

function overloaded(ctx: RequestContext): FloodgateError {
  if (!ctx.res.headersSent) ctx.res.setHeader('retry-after', SHED_RETRY_AFTER_SECONDS);
  return new FloodgateError('OVERLOADED');
}
