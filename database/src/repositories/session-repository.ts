import type { Pool } from '@floodgate/shared';
import { generateSessionToken, hashSessionToken } from '../session-token.js';

export type Role = 'admin' | 'user';
export type Tier = 'anonymous' | 'free' | 'pro' | 'enterprise';

/** A live session joined with the user it belongs to. */
export interface SessionRecord {
  tokenHash: string;
  userId: number;
  email: string;
  name: string;
  role: Role;
  tier: Tier;
  expiresAt: Date;
}

interface SessionRow {
  token_hash: string;
  user_id: number;
  email: string;
  name: string;
  role: Role;
  tier: Tier;
  expires_at: Date;
}

/** Sessions live in PostgreSQL (the source of truth); callers cache and listen for revocations. */
export class SessionRepository {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Creates a session and returns the plain token (the only time it exists outside the client). */
  async create(
    userId: number,
    ttlSeconds: number,
  ): Promise<{ token: string; tokenHash: string; expiresAt: Date }> {
    const token = generateSessionToken();
    const tokenHash = hashSessionToken(token);
    const { rows } = await this.#pool.query<{ expires_at: Date }>(
      `INSERT INTO sessions (token_hash, user_id, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))
       RETURNING expires_at`,
      [tokenHash, userId, ttlSeconds],
    );
    return { token, tokenHash, expiresAt: (rows[0] as { expires_at: Date }).expires_at };
  }

  /** The session for a token hash if it exists, is not revoked and has not expired. */
  async findActive(tokenHash: string): Promise<SessionRecord | null> {
    const { rows } = await this.#pool.query<SessionRow>(
      `SELECT s.token_hash, s.user_id, u.email, u.name, u.role, u.tier, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      tokenHash: r.token_hash,
      userId: r.user_id,
      email: r.email,
      name: r.name,
      role: r.role,
      tier: r.tier,
      expiresAt: r.expires_at,
    };
  }

  /** Revokes a session; true when a live session was revoked. */
  async revoke(tokenHash: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL',
      [tokenHash],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Deletes sessions that expired more than `graceSeconds` ago; returns how many. */
  async purgeExpired(graceSeconds = 0): Promise<number> {
    const { rowCount } = await this.#pool.query(
      'DELETE FROM sessions WHERE expires_at < now() - make_interval(secs => $1)',
      [graceSeconds],
    );
    return rowCount ?? 0;
  }
}
