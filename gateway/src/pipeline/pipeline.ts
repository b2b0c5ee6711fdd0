import { FloodgateError } from '@floodgate/shared';
import type { RequestContext } from './request-context.js';
import { NEXT, type Stage } from './stage.js';

/** Answers a request that a stage ended with an error (the envelope, or an abort if already started). */
export type ErrorResponder = (ctx: RequestContext, err: unknown) => void;

/**
 * An ordered list of stages composed once at startup for one route group. `run` calls the stages in
 * order until one ends the request; synchronous stages cost no promise, and the first asynchronous
 * one switches to an async continuation. A pipeline whose stages all pass on is a wiring bug: the
 * request gets a 500 rather than hanging.
 */
export class Pipeline {
  readonly name: string;
  readonly stageNames: readonly string[];
  readonly #stages: readonly Stage[];
  readonly #onError: ErrorResponder;

  constructor(name: string, stages: readonly Stage[], onError: ErrorResponder) {
    if (stages.length === 0) throw new Error(`pipeline ${name} has no stages`);
    this.name = name;
    this.#stages = Object.freeze([...stages]);
    this.stageNames = Object.freeze(stages.map((s) => s.name));
    this.#onError = onError;
  }

  /** Runs the request through the stages; never throws or rejects (errors become responses). */
  run(ctx: RequestContext): void | Promise<void> {
    const stages = this.#stages;
    for (let i = 0; i < stages.length; i++) {
      let result: boolean | Promise<boolean>;
      try {
        result = (stages[i] as Stage).handle(ctx);
      } catch (err) {
        this.#onError(ctx, err);
        return;
      }
      if (result === NEXT) continue;
      if (result === false) return;
      return this.#continueAsync(ctx, result, i + 1);
    }
    this.#fellThrough(ctx);
  }

  async #continueAsync(ctx: RequestContext, pending: Promise<boolean>, from: number): Promise<void> {
    const stages = this.#stages;
    try {
      if ((await pending) !== NEXT) return;
      for (let i = from; i < stages.length; i++) {
        const result = (stages[i] as Stage).handle(ctx);
        if (result === NEXT) continue;
        if (result === false || (await result) !== NEXT) return;
      }
    } catch (err) {
      this.#onError(ctx, err);
      return;
    }
    this.#fellThrough(ctx);
  }

  #fellThrough(ctx: RequestContext): void {
    this.#onError(ctx, new FloodgateError('INTERNAL', `pipeline ${this.name} ended without an answer`));
  }
}
