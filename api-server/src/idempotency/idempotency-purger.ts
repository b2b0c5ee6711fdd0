import { IdempotencyRepository } from '@floodgate/database';
import type { Clock, ClockTimer, Logger, Pool } from '@floodgate/shared';

export interface IdempotencyPurgerOptions {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  /** Between purges. @default 60000 */
  intervalMs?: number;
  /** Rows deleted per statement. @default 1000 */
  batchSize?: number;
  /** Statements per purge, so one purge stays short however much expired. @default 10 */
  maxBatches?: number;
}

/**
 * Deletes expired Idempotency-Key records in the background, in bounded batches (expired records
 * are already ignored by lookups, so this only reclaims space). Every instance may run one.
 */
export class IdempotencyPurger {
  readonly #o: Required<IdempotencyPurgerOptions>;
  #timer: ClockTimer | null = null;
  #stopped = false;

  constructor(options: IdempotencyPurgerOptions) {
    this.#o = { intervalMs: 60_000, batchSize: 1000, maxBatches: 10, ...options };
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One purge; resolves with how many records it deleted (0 when PostgreSQL failed). */
  async purge(): Promise<number> {
    const records = new IdempotencyRepository(this.#o.pool);
    let total = 0;
    try {
      for (let i = 0; i < this.#o.maxBatches && !this.#stopped; i++) {
        const n = await records.purgeExpired(this.#o.batchSize);
        total += n;
        if (n < this.#o.batchSize) break;
      }
    } catch (err) {
      this.#o.logger.debug({ err: (err as Error).message }, 'idempotency purge failed; retried later');
    }
    if (total > 0) this.#o.logger.debug({ deleted: total }, 'expired idempotency keys purged');
    return total;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      void this.purge().finally(() => this.#schedule());
    }, this.#o.intervalMs);
    this.#timer.unref?.();
  }
}
