import { type ActiveApiKey, apiKeyHashesEqual, apiKeyPrefix, createApiKeyHasher } from '@floodgate/database';
import {
  Channels,
  type Clock,
  type EventBus,
  FloodgateError,
  type Logger,
  OutageLogger,
  systemClock,
} from '@floodgate/shared';
import { LRUCache } from 'lru-cache';
import type { ConsumerIdentity } from './identity.js';

/** Where keys come from: `ApiKeyRepository` in production. */
export interface ApiKeyLookup {
  findActiveByHash(keyHash: string): Promise<ActiveApiKey | null>;
  touchLastUsed(ids: readonly number[]): Promise<void>;
}

/** A verified key. Cached and returned by reference: a cache hit allocates nothing. */
export interface VerifiedApiKey {
  readonly keyHash: string;
  readonly identity: ConsumerIdentity;
}

export interface ApiKeyVerifierOptions {
  /** The HMAC secret keys are hashed with (API_KEY_SECRET). */
  secret: string;
  /** Verified keys kept (LRU). */
  cacheSize: number;
  /** Longest a verified key is trusted without asking PostgreSQL. */
  cacheTtlMs: number;
  /** How often last_used_at is written for the keys used since the previous write. */
  lastUsedFlushMs: number;
  /** Unknown/revoked hashes remembered, so a flood of one bad key costs one query. @default 1000 */
  negativeCacheSize?: number;
  /** @default 5000 */
  negativeCacheTtlMs?: number;
  /** Distinct lookups in flight at once; beyond that → 503 OVERLOADED. @default 1000 */
  maxPendingLookups?: number;
  clock?: Clock;
  logger?: Logger;
}

class PendingLookup {
  promise: Promise<VerifiedApiKey | null> | null = null;
}

const ID_SHAPE = /^[1-9]\d{0,9}$/;

/**
 * Verifies API keys (`fg_<prefix>_<secret>`). Malformed keys are refused without I/O; a key is
 * looked up by its HMAC (one PostgreSQL query per key per cache TTL, shared by concurrent misses)
 * and then answered from a bounded LRU: no query per request. Revocations and tier changes arrive
 * on the event bus and take effect at once; last-used times are written in batches.
 */
export class ApiKeyVerifier {
  readonly #lookup: ApiKeyLookup;
  readonly #hash: (key: string) => string;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #maxPending: number;
  readonly #keys: LRUCache<string, VerifiedApiKey>;
  /** Key id → hash of the cached entry, so a revocation by id finds it. */
  readonly #hashById = new Map<number, string>();
  readonly #unknown: LRUCache<string, true>;
  /** Ids revoked recently: a lookup that raced the revocation must not cache the key. */
  readonly #revokedIds: LRUCache<number, true>;
  readonly #pending = new Map<string, PendingLookup>();
  /** Bumped on every revocation or change: a lookup that started before one is not cached. */
  #epoch = 0;
  #used = new Set<number>();
  #flushTimer: NodeJS.Timeout | null = null;
  /** Logs only when PostgreSQL starts or stops failing, not once per lookup. */
  readonly #database: OutageLogger;

  constructor(lookup: ApiKeyLookup, options: ApiKeyVerifierOptions) {
    this.#lookup = lookup;
    this.#hash = createApiKeyHasher(options.secret);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#database = new OutageLogger(options.logger, 'API key store');
    this.#maxPending = options.maxPendingLookups ?? 1000;
    const clock = this.#clock;
    // TTLs on our clock, checked on every read (no timers); +1: lru-cache reads a start of 0 as "none".
    const perf = { now: () => clock.monotonic() + 1 };
    this.#keys = new LRUCache({
      max: options.cacheSize,
      ttl: options.cacheTtlMs,
      ttlResolution: 0,
      perf,
      dispose: (value) => {
        if (this.#hashById.get(value.identity.keyId) === value.keyHash) {
          this.#hashById.delete(value.identity.keyId);
        }
      },
    });
    this.#unknown = new LRUCache({
      max: options.negativeCacheSize ?? 1000,
      ttl: options.negativeCacheTtlMs ?? 5000,
      ttlResolution: 0,
      perf,
    });
    this.#revokedIds = new LRUCache({ max: 10_000, ttl: options.cacheTtlMs, ttlResolution: 0, perf });
    this.#flushTimer = setInterval(() => void this.flushLastUsed(), options.lastUsedFlushMs);
    this.#flushTimer.unref();
  }

  /** Keys currently cached. */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * The consumer for a key, or null when the key is malformed, unknown or revoked. Synchronous on a
   * cache hit; a miss returns a promise that rejects with DEPENDENCY_UNAVAILABLE when PostgreSQL
   * cannot answer.
   */
  verify(key: string): VerifiedApiKey | null | Promise<VerifiedApiKey | null> {
    const prefix = apiKeyPrefix(key);
    if (prefix === null) return null;
    const keyHash = this.#hash(key);
    const cached = this.#keys.get(keyHash);
    if (cached !== undefined) {
      this.#used.add(cached.identity.keyId);
      return cached;
    }
    if (this.#unknown.has(keyHash)) return null;
    return this.#load(keyHash, prefix);
  }

  /** Forgets a revoked key at once; later requests with it are refused. */
  revoke(keyId: number): void {
    this.#epoch++;
    this.#revokedIds.set(keyId, true);
    const keyHash = this.#hashById.get(keyId);
    if (keyHash !== undefined) {
      this.#keys.delete(keyHash);
      this.#unknown.set(keyHash, true);
    }
  }

  /** Forgets a key whose consumer changed (e.g. its tier); the next request looks it up again. */
  changed(keyId: number): void {
    this.#epoch++;
    const keyHash = this.#hashById.get(keyId);
    if (keyHash !== undefined) this.#keys.delete(keyHash);
  }

  /** Listens for revocations and changes published by any gateway; resolves once subscribed. */
  async subscribe(bus: EventBus): Promise<() => void> {
    const parse = (message: string) => (ID_SHAPE.test(message) ? Number(message) : null);
    const offRevoked = await bus.subscribe(Channels.apiKeyRevoked, (message) => {
      const id = parse(message);
      if (id !== null) this.revoke(id);
    });
    const offChanged = await bus.subscribe(Channels.apiKeyChanged, (message) => {
      const id = parse(message);
      if (id !== null) this.changed(id);
    });
    return () => {
      offRevoked();
      offChanged();
    };
  }

  /** Writes last_used_at for the keys used since the last flush (one UPDATE); never throws. */
  async flushLastUsed(): Promise<void> {
    if (this.#used.size === 0) return;
    const ids = [...this.#used];
    this.#used = new Set();
    try {
      await this.#lookup.touchLastUsed(ids);
    } catch (err) {
      this.#logger?.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not record key use',
      );
    }
  }

  /** Stops the flush timer and writes what is pending. */
  async close(): Promise<void> {
    if (this.#flushTimer !== null) clearInterval(this.#flushTimer);
    this.#flushTimer = null;
    await this.flushLastUsed();
  }

  #load(keyHash: string, prefix: string): Promise<VerifiedApiKey | null> {
    const existing = this.#pending.get(keyHash);
    if (existing?.promise) return existing.promise;
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new FloodgateError('OVERLOADED', 'Too many API key lookups in flight'));
    }
    const pending = new PendingLookup();
    this.#pending.set(keyHash, pending);
    pending.promise = this.#query(keyHash, prefix);
    return pending.promise;
  }

  async #query(keyHash: string, prefix: string): Promise<VerifiedApiKey | null> {
    const epoch = this.#epoch;
    try {
      let row: ActiveApiKey | null;
      try {
        row = await this.#lookup.findActiveByHash(keyHash);
      } catch (err) {
        this.#database.failed(err);
        throw new FloodgateError('DEPENDENCY_UNAVAILABLE', 'API key store is unavailable', { cause: err });
      }
      this.#database.succeeded();
      // The index found the row by hash; compare again in constant time, and the visible prefix too.
      if (
        row === null ||
        !apiKeyHashesEqual(row.keyHash, keyHash) ||
        row.prefix !== prefix ||
        this.#revokedIds.has(row.id)
      ) {
        this.#unknown.set(keyHash, true);
        return null;
      }
      const verified: VerifiedApiKey = Object.freeze({
        keyHash,
        identity: Object.freeze({
          kind: 'consumer',
          consumerId: row.consumerId,
          name: row.name,
          tier: row.tier,
          keyId: row.id,
          keyPrefix: row.prefix,
          subject: `c:${row.consumerId}`,
        }),
      });
      this.#used.add(row.id);
      // A revocation or change that arrived while the query ran may predate its answer: don't cache.
      if (epoch === this.#epoch) {
        this.#keys.set(keyHash, verified);
        this.#hashById.set(row.id, keyHash);
      }
      return verified;
    } finally {
      this.#pending.delete(keyHash);
    }
  }
}
