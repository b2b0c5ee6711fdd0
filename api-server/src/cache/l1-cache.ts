import { LRUCache } from 'lru-cache';
import type { CachedValue } from './cached-value.js';

/** One L1 entry. Freshness is checked by the caller against its own clock (lru-cache keeps no TTL). */
export interface L1Entry {
  value: CachedValue;
  /** The bus session the value was loaded in; served as a hit only in that session. */
  session: number;
  /** For list pages: the local list version when loaded (any write bumps it); -1 for resources. */
  listGen: number;
  /** Monotonic ms: a hit until then. */
  freshUntil: number;
  /** Monotonic ms: servable as STALE (PostgreSQL failing) until then. */
  staleUntil: number;
}

/** The per-process LRU, bounded by entry count and by bytes; counts evictions. */
export class L1Cache {
  readonly #lru: LRUCache<string, L1Entry>;
  evictions = 0;

  constructor(options: { maxEntries: number; maxBytes: number }) {
    this.#lru = new LRUCache<string, L1Entry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => entry.value.sizeBytes + key.length,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
  }

  get(key: string): L1Entry | undefined {
    return this.#lru.get(key);
  }

  set(key: string, entry: L1Entry): void {
    this.#lru.set(key, entry);
  }

  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  /** Deletes every key starting with `prefix`; returns how many. */
  deletePrefix(prefix: string): number {
    let n = 0;
    for (const key of [...this.#lru.keys()]) if (key.startsWith(prefix) && this.#lru.delete(key)) n++;
    return n;
  }

  clear(): number {
    const n = this.#lru.size;
    this.#lru.clear();
    return n;
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}
