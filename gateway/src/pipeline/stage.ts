import type { RequestContext } from './request-context.js';

/** A stage passes the request on to the next stage. */
export const NEXT = true;
/** A stage answered (or handed the request to the upstream): later stages do not run. */
export const DONE = false;

/**
 * What a stage returns: NEXT or DONE, synchronously when it can (the hot path allocates no promise)
 * or as a promise when it waits on I/O. Throwing (or rejecting with) a FloodgateError ends the request
 * with that error's envelope.
 */
export type StageResult = boolean | Promise<boolean>;

/** One named step of a pipeline, created once at startup by a `createXStage(config, deps)` factory. */
export interface Stage {
  readonly name: string;
  handle(ctx: RequestContext): StageResult;
}
