import type { Clock, Logger } from '@floodgate/shared';
import type { CoherenceProtocol } from './coherence-protocol.js';
import type { RedisL2Store } from './redis-l2-store.js';

export interface L2TrustOptions {
  l2: RedisL2Store | null;
  protocol: CoherenceProtocol;
  clock: Clock;
  logger: Logger;
  /** How often re-validation is retried while L2 is untrusted. */
  retryMs: number;
}

/**
 * Whether L2 may be read: only within the bus session in which this instance last started a fresh
 * L2 namespace, with nothing distrusted since. Any session change or failed L2 invalidation
 * (here or, by flag `s`, anywhere) distrusts it; re-validation (a new namespace) is retried every
 * `retryMs` until it succeeds, so an idle instance gets its L2 back too. docs/caching.md.
 */
export class L2Trust {
  readonly #o: L2TrustOptions;
  /** The session in which L2 was last re-validated (0: untrusted). */
  #trustedSession = 0;
  #distrusts = 0;
  #retrusting = false;
  #retryTimer: ReturnType<Clock['setTimeout']> | null = null;
  #closed = false;

  constructor(options: L2TrustOptions) {
    this.#o = options;
  }

  get trusted(): boolean {
    return this.#trustedSession !== 0 && this.#trustedSession === this.#o.protocol.session;
  }

  /** L2 is trusted for a load made in `session`; if not, re-validation is started. */
  trustedFor(session: number): boolean {
    if (this.#trustedSession === session) return true;
    this.#retrust();
    return false;
  }

  /** Stop reading L2 until a new namespace is started (which starts now). */
  distrust(): void {
    this.#trustedSession = 0;
    this.#distrusts++;
    this.#retrust();
  }

  /** The bus session changed: messages may have been missed, so L2 is re-validated in the new one. */
  sessionChanged(session: number): void {
    this.#trustedSession = 0;
    this.#distrusts++;
    if (session !== 0) this.#retrust();
  }

  /** Stops the retry timer. */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer) this.#o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /** Starts a fresh L2 namespace; L2 is trusted again if nothing was distrusted meanwhile. */
  #retrust(): void {
    const { l2, protocol } = this.#o;
    const session = protocol.session;
    if (l2 === null || this.#closed || this.#retrusting || session === 0) return;
    if (!l2.available) {
      this.#scheduleRetrust();
      return;
    }
    this.#retrusting = true;
    const distrusts = this.#distrusts;
    l2.bumpEpoch()
      .then(
        () => {
          if (protocol.session === session && this.#distrusts === distrusts) {
            this.#trustedSession = session;
          }
        },
        (err: unknown) =>
          this.#o.logger.warn({ err: (err as Error).message }, 'cache: L2 re-validation failed'),
      )
      .finally(() => {
        this.#retrusting = false;
        if (!this.trusted) this.#scheduleRetrust();
      });
  }

  #scheduleRetrust(): void {
    if (this.#retryTimer !== null || this.#closed) return;
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = null;
      if (!this.trusted) this.#retrust();
    }, this.#o.retryMs);
    this.#retryTimer.unref?.();
  }
}
