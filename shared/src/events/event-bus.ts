/**
 * Fire-and-forget messages between processes (session revocation, key revocation, cache
 * invalidation). With Redis it is Redis pub/sub; without, it reaches only the current process,
 * which is why components that need cross-process coherence without Redis must bound staleness
 * another way (short TTLs) and say so.
 */
export interface EventBus {
  /** True when messages reach other processes. */
  readonly distributed: boolean;
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once subscribed; the returned function unsubscribes this handler. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => void>;
  close(): Promise<void>;
}
