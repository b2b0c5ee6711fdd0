import type { Logger } from './create-logger.js';

/**
 * Logs a dependency going down once and coming back once, however many calls fail or succeed in
 * between, so an outage cannot flood the log at request rate.
 */
export class OutageLogger {
  readonly #logger: Logger | undefined;
  readonly #what: string;
  #failing = false;

  /** `what` names the dependency in the messages, e.g. "session store". */
  constructor(logger: Logger | undefined, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  get failing(): boolean {
    return this.#failing;
  }

  /** Records a successful call. */
  succeeded(): void {
    if (this.#failing) this.#logger?.info(`${this.#what} reachable again`);
    this.#failing = false;
  }

  /** Records a failed call. */
  failed(err: unknown): void {
    if (!this.#failing) {
      this.#logger?.warn(
        { err: err instanceof Error ? err.message : String(err) },
        `${this.#what} unavailable`,
      );
    }
    this.#failing = true;
  }
}
