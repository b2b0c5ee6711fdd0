import { FloodgateError, type Pool } from '@floodgate/shared';
import { generateApiKey } from '../api-key.js';
import { isStorableId, MAX_INT_ID } from './queryable.js';
import type { Tier } from './session-repository.js';

/** An API key as admins see it: never its secret or hash. */
export interface ApiKeyInfo {
  id: number;
  prefix: string;
  consumerId: number;
  /** The consumer's name. */
  name: string;
  tier: Tier;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key just created: `key` is the only copy of the plain key there will ever be. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

/** What the gateway needs to authenticate a live key. */
export interface ActiveApiKey {
  id: number;
  prefix: string;
  keyHash: string;
  consumerId: number;
  name: string;
  tier: Tier;
}

interface InfoRow {
  id: number;
  prefix: string;
  consumer_id: number;
  name: string;
  tier: Tier;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const INFO_COLUMNS = `k.id, k.prefix, k.consumer_id, c.name, c.tier, k.created_at, k.last_used_at, k.revoked_at`;
const UNIQUE_VIOLATION = '23505';
/** Largest page of keys one call returns. */
const MAX_API_KEY_LIST = 1000;

/**
 * API keys and their consumers. A consumer (unique name) owns one or more keys and carries the
 * tier; keys are created with a fresh random secret, stored only as `hash(key)`, and revoked
 * rather than deleted so an audit trail remains.
 */
export class ApiKeyRepository {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /**
   * Creates a key for the consumer `name` (created with `tier` if new). An existing consumer must
   * already have that tier (CONFLICT otherwise: tiers change through `updateTier`).
   */
  async create(input: { name: string; tier: Tier }, hash: (key: string) => string): Promise<CreatedApiKey> {
    for (let attempt = 0; ; attempt++) {
      const { key, prefix } = generateApiKey();
      try {
        const { rows } = await this.#pool.query<InfoRow>(
          `WITH c AS (
             INSERT INTO consumers (name, tier) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
             RETURNING id, name, tier
           ), k AS (
             INSERT INTO api_keys (consumer_id, prefix, key_hash)
             SELECT id, $3, $4 FROM c WHERE c.tier = $2
             RETURNING id, prefix, consumer_id, created_at, last_used_at, revoked_at
           )
           SELECT k.*, c.name, c.tier FROM k JOIN c ON c.id = k.consumer_id`,
          [input.name, input.tier, prefix, hash(key)],
        );
        const row = rows[0];
        if (!row) {
          throw new FloodgateError(
            'CONFLICT',
            `Consumer "${input.name}" exists with another tier; change its tier with PATCH instead`,
          );
        }
        return { ...toInfo(row), key };
      } catch (err) {
        // A prefix collision (1 in 36^8 per existing key) is retried with a new key.
        if ((err as { code?: string }).code === UNIQUE_VIOLATION && attempt < 3) continue;
        throw err;
      }
    }
  }

  /** The live (not revoked) key with this hash, with its consumer. */
  async findActiveByHash(keyHash: string): Promise<ActiveApiKey | null> {
    const { rows } = await this.#pool.query<{
      id: number;
      prefix: string;
      key_hash: string;
      consumer_id: number;
      name: string;
      tier: Tier;
    }>(
      `SELECT k.id, k.prefix, k.key_hash, k.consumer_id, c.name, c.tier
         FROM api_keys k JOIN consumers c ON c.id = k.consumer_id
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [keyHash],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      prefix: r.prefix,
      keyHash: r.key_hash,
      consumerId: r.consumer_id,
      name: r.name,
      tier: r.tier,
    };
  }

  async findById(id: number): Promise<ApiKeyInfo | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#pool.query<InfoRow>(
      `SELECT ${INFO_COLUMNS} FROM api_keys k JOIN consumers c ON c.id = k.consumer_id WHERE k.id = $1`,
      [id],
    );
    return rows[0] ? toInfo(rows[0]) : null;
  }

  /**
   * One page of keys in creation (id) order after `afterId`, revoked ones included: at most `limit`
   * (≤ MAX_API_KEY_LIST), and whether more follow.
   */
  async list(
    options: { limit?: number; afterId?: number } = {},
  ): Promise<{ keys: ApiKeyInfo[]; more: boolean }> {
    const limit = Math.min(Math.max(1, options.limit ?? MAX_API_KEY_LIST), MAX_API_KEY_LIST);
    const afterId = Math.max(0, options.afterId ?? 0);
    if (afterId >= MAX_INT_ID) return { keys: [], more: false };
    const { rows } = await this.#pool.query<InfoRow>(
      `SELECT ${INFO_COLUMNS} FROM api_keys k JOIN consumers c ON c.id = k.consumer_id
        WHERE k.id > $1 ORDER BY k.id LIMIT $2`,
      [afterId, limit + 1],
    );
    return { keys: rows.slice(0, limit).map(toInfo), more: rows.length > limit };
  }

  /** Revokes a key (idempotent: the first revocation time is kept); null when no such key. */
  async revoke(id: number): Promise<ApiKeyInfo | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#pool.query<InfoRow>(
      `WITH k AS (
         UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
         RETURNING id, prefix, consumer_id, created_at, last_used_at, revoked_at
       )
       SELECT k.*, c.name, c.tier FROM k JOIN consumers c ON c.id = k.consumer_id`,
      [id],
    );
    return rows[0] ? toInfo(rows[0]) : null;
  }

  /**
   * Sets the tier of the key's consumer, which every key of that consumer shares. Returns the key
   * and the ids of all the consumer's keys (whose cached identities are now stale), or null.
   */
  async updateTier(id: number, tier: Tier): Promise<{ key: ApiKeyInfo; consumerKeyIds: number[] } | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#pool.query<{ id: number }>(
      `WITH c AS (
         UPDATE consumers SET tier = $2, updated_at = now()
          WHERE id = (SELECT consumer_id FROM api_keys WHERE id = $1)
         RETURNING id
       )
       SELECT k.id FROM api_keys k JOIN c ON c.id = k.consumer_id ORDER BY k.id`,
      [id, tier],
    );
    if (rows.length === 0) return null;
    const key = await this.findById(id);
    return key ? { key, consumerKeyIds: rows.map((r) => r.id) } : null;
  }

  /** Records that these keys were used (one statement for a whole batch). */
  async touchLastUsed(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.#pool.query('UPDATE api_keys SET last_used_at = now() WHERE id = ANY($1::int[])', [ids]);
  }
}

function toInfo(r: InfoRow): ApiKeyInfo {
  return {
    id: r.id,
    prefix: r.prefix,
    consumerId: r.consumer_id,
    name: r.name,
    tier: r.tier,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}
