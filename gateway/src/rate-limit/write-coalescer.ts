import type { Writable } from 'node:stream';

/**
 * Coalesces the socket writes of Redis commands issued in one event-loop turn into a single writev:
 * the first command of a turn corks the connection's socket and a setImmediate uncorks it once the
 * turn's I/O callbacks (many requests under load) have run. Each command stays its own EVALSHA with
 * its own reply; only the syscalls are shared, on both sides of the connection. Unlike ioredis
 * auto-pipelining it builds no pipeline objects and never waits for an earlier batch's replies.
 */
export class WriteCoalescer {
  #corked: Writable | null = null;
  readonly #flush = (): void => {
    const stream = this.#corked;
    this.#corked = null;
    stream?.uncork();
  };

  /** Corks `stream` until the end of this event-loop turn (no-op if already corked or not writable). */
  cork(stream: Writable | undefined): void {
    if (this.#corked !== null || stream === undefined || !stream.writable) return;
    stream.cork();
    this.#corked = stream;
    setImmediate(this.#flush);
  }
}
