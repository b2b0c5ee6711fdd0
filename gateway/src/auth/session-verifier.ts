import { hashSessionToken, isWellFormedSessionToken, type SessionRecord } from '@floodgate/database';
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
import type { UserIdentity } from './identity.js';

/** Where sessions come from: `SessionRepository` in production. */
export interface SessionLookup {
  findActive(tokenHash: string): Promise<SessionRecord | null>;
}

/** A verified bearer token. Cached and returned by reference: a cache hit allocates nothing. */
export interface VerifiedSession {
  readonly tokenHash: string;
  readonly identity: UserIdentity;
}

export interface SessionVerifierOptions {
  /** Verified sessions kept (LRU). */
  cacheSize: number;
  /** Longest a verified session is trusted without asking PostgreSQL (also capped by its expiry). */
  cacheTtlMs: number;
  /** Unknown/revoked token hashes remembered, so a flood of one bad token costs one query. @default 1000 */
  negativeCacheSize?: number;
  /** @default 5000 */
  negativeCacheTtlMs?: number;
  /** Distinct lookups allowed in flight at once; beyond that → 503 OVERLOADED. @default 1000 */
  maxPendingLookups?: number;
  clock?: Clock;
  logger?: Logger;
}

const TOKEN_HASH_SHAPE = /^[0-9a-f]{64}$/;

class PendingLookup {
  /** A revocation arrived while the query was running: its answer must not be cached. */
  revoked = false;
  promise: Promise<VerifiedSession | null> | null = null;
}

/**
 * Verifies session bearer tokens. Malformed tokens are refused without I/O; a known token is
 * answered from a bounded LRU (no PostgreSQL query on the hot path); a miss costs one
 * `findActive` query, shared by concurrent misses for the same token. Revocations arrive on the
 * event bus (or through `revoke` after a proxied logout) and take effect at once.
 */
export class SessionVerifier {
  readonly #lookup: SessionLookup;
  readonly #clock: Clock;
  readonly #cacheTtlMs: number;
  readonly #maxPending: number;
  readonly #sessions: LRUCache<string, VerifiedSession>;
  readonly #unknown: LRUCache<string, true>;
  readonly #pending = new Map<string, PendingLookup>();
  /** Logs only when PostgreSQL starts or stops failing, not once per lookup. */
  readonly #database: OutageLogger;

  constructor(lookup: SessionLookup, options: SessionVerifierOptions) {
    this.#lookup = lookup;
    this.#clock = options.clock ?? systemClock;
    this.#database = new OutageLogger(options.logger, 'session store');
    this.#cacheTtlMs = options.cacheTtlMs;
    this.#maxPending = options.maxPendingLookups ?? 1000;
    const clock = this.#clock;
    // lru-cache measures TTLs on our clock; ttlResolution 0 reads it on every check (no timers).
    // +1 because lru-cache reads an entry start of 0 as "no TTL" (a fake clock starts at 0).
    const perf = { now: () => clock.monotonic() + 1 };
    this.#sessions = new LRUCache({
      max: options.cacheSize,
      ttl: options.cacheTtlMs,
      ttlResolution: 0,
      perf,
    });
    this.#unknown = new LRUCache({
      max: options.negativeCacheSize ?? 1000,
      ttl: options.negativeCacheTtlMs ?? 5000,
      ttlResolution: 0,
      perf,
    });
  }

  /** Sessions currently cached. */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * The session for a bearer token, or null when the token is malformed, unknown, revoked or expired.
   * Synchronous on a cache hit; a miss returns a promise that rejects with DEPENDENCY_UNAVAILABLE
   * when PostgreSQL cannot answer.
   */
  verify(token: string): VerifiedSession | null | Promise<VerifiedSession | null> {
    if (!isWellFormedSessionToken(token)) return null;
    const tokenHash = hashSessionToken(token);
    const cached = this.#sessions.get(tokenHash);
    if (cached !== undefined) return cached;
    if (this.#unknown.has(tokenHash)) return null;
    return this.#load(tokenHash);
  }

  /** Forgets a session at once; later requests with its token are refused. */
  revoke(tokenHash: string): void {
    this.#sessions.delete(tokenHash);
    // Revocation is permanent, so the next attempt needs no query to be refused.
    this.#unknown.set(tokenHash, true);
    const pending = this.#pending.get(tokenHash);
    if (pending !== undefined) pending.revoked = true;
  }

  /** Listens for revocations published by any process; resolves once subscribed. */
  subscribe(bus: EventBus): Promise<() => void> {
    return bus.subscribe(Channels.sessionRevoked, (message) => {
      if (TOKEN_HASH_SHAPE.test(message)) this.revoke(message);
    });
  }

  #load(tokenHash: string): Promise<VerifiedSession | null> {
    const existing = this.#pending.get(tokenHash);
    if (existing?.promise) return existing.promise;
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new FloodgateError('OVERLOADED', 'Too many session lookups in flight'));
    }
    const pending = new PendingLookup();
    this.#pending.set(tokenHash, pending);
    pending.promise = this.#query(tokenHash, pending);
    return pending.promise;
  }

  async #query(tokenHash: string, pending: PendingLookup): Promise<VerifiedSession | null> {
    try {
      let record: SessionRecord | null;
      try {
        record = await this.#lookup.findActive(tokenHash);
      } catch (err) {
        this.#database.failed(err);
        throw new FloodgateError('DEPENDENCY_UNAVAILABLE', 'Session store is unavailable', { cause: err });
      }
      this.#database.succeeded();
      if (pending.revoked) return null;
      const remainingMs = record === null ? 0 : record.expiresAt.getTime() - this.#clock.now();
      if (record === null || remainingMs <= 0) {
        this.#unknown.set(tokenHash, true);
        return null;
      }
      const session: VerifiedSession = Object.freeze({
        tokenHash,
        identity: Object.freeze({
          kind: 'user',
          userId: record.userId,
          role: record.role,
          tier: record.tier,
          email: record.email,
          subject: `u:${record.userId}`,
        }),
      });
      this.#sessions.set(tokenHash, session, { ttl: Math.min(this.#cacheTtlMs, remainingMs) });
      return session;
    } finally {
      this.#pending.delete(tokenHash);
    }
  }
}
