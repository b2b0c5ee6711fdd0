import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { IdempotencyRepository, type Queryable, type StoredResponse } from '@floodgate/database';
import { FloodgateError } from '@floodgate/shared';
import type { TwoLevelCache } from '../cache/two-level-cache.js';
import { requireValidIdempotencyKey } from './idempotency-key.js';

/** A write route's answer: a 2xx status, the JSON body and extra headers (e.g. location). */
export interface WriteResponse<B> {
  status: number;
  body: B;
  headers?: Record<string, string>;
}

/** How a write ended: a fresh response, or the stored response of an earlier request with the key. */
export type WriteOutcome<B> =
  | { replayed: false; response: WriteResponse<B> }
  | { replayed: true; response: StoredResponse };

/** An Idempotency-Key as it applies to one request: whose it is, the key, what the request was. */
export interface IdempotencyClaim {
  /** Who sent it (`user:<id>`): keys of different senders never meet. */
  scope: string;
  key: string;
  /** SHA-256 hex of method, path and JSON body. */
  fingerprint: string;
}

/**
 * Idempotency-Key for writes (IETF httpapi draft), kept in PostgreSQL: a request's key is claimed,
 * and its response stored, inside the write's own transaction, so the record exists exactly when
 * the write committed. A retry after a commit whose answer was lost therefore replays it.
 */
export class IdempotentWrites {
  readonly #cache: TwoLevelCache;
  readonly #ttlMs: number;

  constructor(cache: TwoLevelCache, ttlMs: number) {
    this.#cache = cache;
    this.#ttlMs = ttlMs;
  }

  /** The request's claim: null without Idempotency-Key; VALIDATION_FAILED for a malformed key. */
  claim(req: IncomingMessage, scope: string, body: unknown): IdempotencyClaim | null {
    const key = requireValidIdempotencyKey(req.headers['idempotency-key']);
    if (key === null) return null;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const fingerprint = createHash('sha256')
      .update(`${req.method} ${q === -1 ? url : url.slice(0, q)}\n`)
      .update(body === undefined ? '' : JSON.stringify(body))
      .digest('hex');
    return { scope, key, fingerprint };
  }

  /**
   * Runs `op` as a cache write (one transaction with its invalidation). With a claim: 409
   * IDEMPOTENCY_IN_FLIGHT while another request with the key runs, 422 IDEMPOTENCY_KEY_REUSED when
   * the key was used for a different request, the stored response when it was used for this one —
   * a replay is answered like a write of the same tags, once every instance is coherent with the
   * original — else `op` runs and its response is stored with it. null: `op` changed nothing (and
   * nothing is stored, so the key stays free).
   */
  write<B extends object>(
    claim: IdempotencyClaim | null,
    op: (db: Queryable) => Promise<WriteResponse<B> | null>,
    tagsOf: (body: B) => readonly string[],
  ): Promise<WriteOutcome<B> | null> {
    return this.#cache.write<WriteOutcome<B>>(
      async (db) => {
        if (claim === null) {
          const response = await op(db);
          return response === null ? null : { replayed: false, response };
        }
        const records = new IdempotencyRepository(db);
        if (!(await records.tryLock(claim.scope, claim.key)))
          throw new FloodgateError('IDEMPOTENCY_IN_FLIGHT');
        const prior = await records.find(claim.scope, claim.key);
        if (prior !== null) {
          if (prior.fingerprint !== claim.fingerprint) throw new FloodgateError('IDEMPOTENCY_KEY_REUSED');
          return {
            replayed: true,
            response: { status: prior.status, headers: prior.headers, body: prior.body },
          };
        }
        const response = await op(db);
        if (response === null) return null;
        const stored = {
          fingerprint: claim.fingerprint,
          status: response.status,
          headers: response.headers ?? {},
          body: JSON.stringify(response.body),
        };
        // Under the key's lock no live record can appear meanwhile; refuse rather than overwrite.
        if (!(await records.save(claim.scope, claim.key, stored, this.#ttlMs))) {
          throw new FloodgateError('IDEMPOTENCY_IN_FLIGHT');
        }
        return { replayed: false, response };
      },
      (outcome) =>
        tagsOf(outcome.replayed ? (JSON.parse(outcome.response.body) as B) : outcome.response.body),
    );
  }
}
