import type { Queryable } from '@floodgate/database';
import { type Clock, isFloodgateError, type Pool, withTransaction } from '@floodgate/shared';
import { LIST_TAG } from './cache-keys.js';
import type { CoherenceProtocol, PreparedInvalidation } from './coherence-protocol.js';
import type { L2Trust } from './l2-trust.js';
import type { LocalInvalidation } from './local-invalidation.js';
import { CACHE_CHANNEL } from './pg-coherence-bus.js';
import type { RedisL2Store } from './redis-l2-store.js';

export interface CacheWritePathOptions {
  /** Cache on: writes carry invalidations and wait for coherence. Off: plain transactions. */
  enabled: boolean;
  clock: Clock;
  /** Writes run in a transaction on a client from here. */
  pool: Pool;
  /** How long a write whose COMMIT answer was lost keeps asking PostgreSQL whether it committed. */
  outcomeLookupMs: number;
  l2: RedisL2Store | null;
  protocol: CoherenceProtocol;
  local: LocalInvalidation;
  trust: L2Trust;
}

/**
 * Writes that carry their invalidation: `BEGIN; <change>; <L2 write marks>; pg_notify; COMMIT`,
 * then drop locally, end the L2 marks and wait until every instance is coherent (docs/caching.md).
 */
export class CacheWritePath {
  readonly #o: CacheWritePathOptions;

  constructor(options: CacheWritePathOptions) {
    this.#o = options;
  }

  /**
   * Runs `op` in a transaction that also carries the invalidation of `tagsOf(result)`; resolves once
   * the write is committed and coherent everywhere. `op` returning null means nothing changed (rolled
   * back). Rejects with WRITE_OUTCOME_UNKNOWN when the commit could not be verified; any other
   * rejection means nothing was committed (withTransaction).
   */
  async write<T>(
    op: (db: Queryable) => Promise<T | null>,
    tagsOf: (result: T) => readonly string[],
  ): Promise<T | null> {
    const { enabled, clock, protocol, local, trust } = this.#o;
    let tags: readonly string[] = [];
    let prepared: PreparedInvalidation | null = null;
    let l2Begun = false;
    let result: T | null;
    try {
      result = await withTransaction(
        this.#o.pool,
        async (db) => {
          const changed = await op(db);
          if (changed === null || !enabled) return changed;
          tags = tagsOf(changed);
          l2Begun = await this.#beginL2Write(tags);
          // A writer that could not invalidate L2 tells everyone to stop trusting it (flag `s`).
          prepared = protocol.prepare(tags, !l2Begun);
          if (prepared.payload !== null) {
            await db.query('SELECT pg_notify($1, $2)', [CACHE_CHANNEL, prepared.payload]);
          }
          return changed;
        },
        { commitIf: (changed) => changed !== null, outcomeLookupMs: this.#o.outcomeLookupMs, clock },
      );
    } catch (err) {
      const p = prepared as PreparedInvalidation | null;
      if (p !== null && isFloodgateError(err) && err.code === 'WRITE_OUTCOME_UNKNOWN') {
        // The commit may have happened: forget what we had cached of it, as after a commit.
        local.invalidate(tags, 'local');
        if (!l2Begun) trust.distrust();
      }
      p?.abandon();
      if (l2Begun) await this.#endL2Write(tags);
      throw err;
    }
    if (result === null || !enabled) return result;
    const committedAt = clock.monotonic();
    local.invalidate(tags, 'local');
    // After the commit, like every receiver of the flag: a namespace started before it could
    // still be filled with what the write replaced.
    if (l2Begun) await this.#endL2Write(tags);
    else trust.distrust();
    await (prepared as PreparedInvalidation | null)?.settle(committedAt);
    return result;
  }

  async #beginL2Write(tags: readonly string[]): Promise<boolean> {
    const l2 = this.#o.l2;
    if (l2 === null || !l2.available) return false;
    try {
      await l2.beginWrite(
        tags,
        tags.filter((t) => t !== LIST_TAG),
      );
      return true;
    } catch {
      return false;
    }
  }

  async #endL2Write(tags: readonly string[]): Promise<void> {
    // Best effort: if this fails, the marks expire and nothing stale can be stored meanwhile.
    await this.#o.l2?.endWrite(tags).catch(() => {});
  }
}
