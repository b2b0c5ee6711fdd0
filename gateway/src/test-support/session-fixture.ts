import { type Role, runMigrations, SessionRepository, type Tier, UserRepository } from '@floodgate/database';
import { createLogger, createPgPool, type Pool } from '@floodgate/shared';
import { createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';

export interface SessionFixture {
  db: TestDatabase;
  /** The pool handed to the code under test; every query on it is counted. */
  pool: Pool;
  /** Queries made on `pool` so far. */
  queries(): number;
  /** Creates a user and a session for it; returns the bearer token. */
  login(
    role: Role,
    tier: Tier,
    ttlSeconds?: number,
  ): Promise<{ userId: number; token: string; tokenHash: string }>;
  /** Revokes a session in PostgreSQL, as the api-server's logout does. */
  revokeInDatabase(tokenHash: string): Promise<void>;
  close(): Promise<void>;
}

const silent = createLogger({ name: 'test', level: 'silent' });
let users = 0;

/** A fresh migrated database with a counted pool for the code under test and a setup pool for the test. */
export async function createSessionFixture(label: string): Promise<SessionFixture> {
  const db = await createTestDatabase(label);
  const config = { url: db.url, poolMax: 4, connectTimeoutMs: 2000, statementTimeoutMs: 5000 };
  const setup = createPgPool(config, silent, { applicationName: 'gateway-test-setup' });
  await runMigrations(setup, silent);
  const pool = createPgPool(config, silent, { applicationName: 'gateway-test' });
  let count = 0;
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    count++;
    return query(...args);
  }) as Pool['query'];
  const userRepo = new UserRepository(setup);
  const sessions = new SessionRepository(setup);
  return {
    db,
    pool,
    queries: () => count,
    async login(role, tier, ttlSeconds = 3600) {
      users++;
      const user = await userRepo.create({
        email: `${role}-${users}-${Date.now()}@example.test`,
        name: `${role} ${users}`,
        passwordHash: 'not-a-real-hash',
        role,
        tier,
      });
      const session = await sessions.create(user.id, ttlSeconds);
      return { userId: user.id, token: session.token, tokenHash: session.tokenHash };
    },
    async revokeInDatabase(tokenHash) {
      await sessions.revoke(tokenHash);
    },
    async close() {
      await pool.end();
      await setup.end();
      await db.drop();
    },
  };
}
