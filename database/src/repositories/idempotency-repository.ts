import type { Queryable } from './queryable.js';

/** A response as it is replayed: status, the headers that matter (e.g. location) and the JSON body. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  /** The JSON body exactly as first sent. */
  body: string;
}

export interface IdempotencyRecord extends StoredResponse {
  /** SHA-256 hex of the request the key was first used for. */
  fingerprint: string;
}

interface RecordRow {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * `idempotency_keys`: one record per (scope, key). Use it on the client of the write's own
 * transaction: `tryLock` serialises requests with one key, `find` sees what committed before the
 * lock was taken, and `save` commits or rolls back with the write.
 */
export class IdempotencyRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /**
   * Takes the transaction-scoped advisory lock of (scope, key), without waiting: false when another
   * transaction holds it (a request with this key is in flight). Released at COMMIT or ROLLBACK.
   */
  async tryLock(scope: string, key: string): Promise<boolean> {
    const { rows } = await this.#db.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
      [`idempotency\n${scope}\n${key}`],
    );
    return rows[0]?.locked === true;
  }

  /** The record of (scope, key) unless it has expired. */
  async find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const { rows } = await this.#db.query<RecordRow>(
      `SELECT fingerprint, status, headers, body FROM idempotency_keys
        WHERE scope = $1 AND key = $2 AND expires_at > now()`,
      [scope, key],
    );
    const r = rows[0];
    return r ? { fingerprint: r.fingerprint, status: r.status, headers: r.headers, body: r.body } : null;
  }

  /** Stores the record for `ttlMs`, replacing an expired one; false when a live record exists. */
  async save(scope: string, key: string, record: IdempotencyRecord, ttlMs: number): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, status, headers, body, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
       ON CONFLICT (scope, key) DO UPDATE
          SET fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, headers = EXCLUDED.headers,
              body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at
        WHERE idempotency_keys.expires_at <= now()`,
      [
        scope,
        key,
        record.fingerprint,
        record.status,
        JSON.stringify(record.headers),
        record.body,
        ttlMs / 1000,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Deletes up to `limit` expired records (oldest first); returns how many. */
  async purgeExpired(limit = 1000): Promise<number> {
    const { rowCount } = await this.#db.query(
      `DELETE FROM idempotency_keys WHERE (scope, key) IN (
         SELECT scope, key FROM idempotency_keys WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)`,
      [limit],
    );
    return rowCount ?? 0;
  }
}
