import { isStorableId, type Queryable } from './queryable.js';
import type { Role, Tier } from './session-repository.js';

/** A user as other components see it (no password hash). */
export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
  tier: Tier;
  createdAt: string;
}

/** Only for verifying a login. */
export interface UserWithPasswordHash extends User {
  passwordHash: string;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
  role?: Role;
  tier?: Tier;
}

interface UserRow {
  id: number;
  email: string;
  name: string;
  role: Role;
  tier: Tier;
  created_at: Date;
  password_hash: string;
}

const COLUMNS = 'id, email, name, role, tier, created_at';

export class UserRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** Case-insensitive (served by the unique index on lower(email)). */
  async findByEmail(email: string): Promise<UserWithPasswordHash | null> {
    const { rows } = await this.#db.query<UserRow>(
      `SELECT ${COLUMNS}, password_hash FROM users WHERE lower(email) = lower($1)`,
      [email],
    );
    const r = rows[0];
    return r ? { ...toUser(r), passwordHash: r.password_hash } : null;
  }

  async findById(id: number): Promise<User | null> {
    if (!isStorableId(id)) return null;
    const { rows } = await this.#db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    const r = rows[0];
    return r ? toUser(r) : null;
  }

  /**
   * Replaces the password hash if it is still `expected` (a rehash never overwrites a password
   * changed meanwhile); true when it did.
   */
  async replacePasswordHash(id: number, expected: string, passwordHash: string): Promise<boolean> {
    if (!isStorableId(id)) return false;
    const { rowCount } = await this.#db.query(
      'UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2',
      [id, expected, passwordHash],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Inserts a user; a duplicate email (any case) fails with PostgreSQL's unique_violation (23505). */
  async create(user: NewUser): Promise<User> {
    const { rows } = await this.#db.query<UserRow>(
      `INSERT INTO users (email, name, password_hash, role, tier)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [user.email, user.name, user.passwordHash, user.role ?? 'user', user.tier ?? 'free'],
    );
    return toUser(rows[0] as UserRow);
  }
}

function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    tier: r.tier,
    createdAt: r.created_at.toISOString(),
  };
}
