import { isListKey, LIST_TAG } from './cache-keys.js';
import type { CacheMetrics } from './cache-metrics.js';
import type { CacheRead } from './cache-read-path.js';
import type { L1Cache } from './l1-cache.js';
import type { SingleFlight } from './single-flight.js';

/**
 * What this process forgets when a tag is invalidated, locally or by a message from another
 * instance: the L1 entry and in-flight loads of a resource, or — for the list tag — every list page,
 * by moving the list generation on (pages cached under an older one are not served).
 */
export class LocalInvalidation {
  readonly #l1: L1Cache;
  readonly #flights: SingleFlight<CacheRead>;
  readonly #metrics: CacheMetrics;
  #listGen = 0;

  constructor(l1: L1Cache, flights: SingleFlight<CacheRead>, metrics: CacheMetrics) {
    this.#l1 = l1;
    this.#flights = flights;
    this.#metrics = metrics;
  }

  /** Bumped by every write: list pages cached before are not served. */
  get listGen(): number {
    return this.#listGen;
  }

  invalidate(tags: readonly string[], origin: 'local' | 'remote'): void {
    for (const tag of tags) {
      if (tag === LIST_TAG) {
        this.#listGen++;
        this.#flights.invalidateWhere(isListKey);
      } else {
        this.#l1.delete(tag);
        this.#flights.invalidate(tag);
      }
    }
    this.#metrics.invalidated(origin, tags.length);
  }

  /** Admin clear: every list page is stale at once. */
  bumpLists(): void {
    this.#listGen++;
  }
}
