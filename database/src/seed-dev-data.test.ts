import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPgPool, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { runMigrations } from './migrate.js';
import { verifyPassword } from './passwords.js';
import { UserRepository } from './repositories/user-repository.js';
import { seedDevData } from './seed-dev-data.js';

const { logger } = createCaptureLogger('seed-test');
let db: TestDatabase;
let pools: Pool[];

before(async () => {
  db = await createTestDatabase('seed');
  const cfg = { url: db.url, poolMax: 2, connectTimeoutMs: 2000, statementTimeoutMs: 5000 };
  pools = [1, 2, 3].map(() => createPgPool(cfg, logger, { applicationName: 'seed-test' }));
  await runMigrations(pools[0] as Pool, logger);
});
after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await db.drop();
});

test('of three concurrent seeders exactly one seeds; later calls do nothing', async () => {
  const results = await Promise.all(pools.map((p) => seedDevData(p, logger)));
  assert.deepEqual(results.filter(Boolean).length, 1);
  assert.equal(await seedDevData(pools[0] as Pool, logger), false);

  const pool = pools[0] as Pool;
  const users = await pool.query('SELECT email, name, role, tier FROM users ORDER BY email');
  assert.deepEqual(users.rows, [
    { email: 'admin@example.com', name: 'Admin', role: 'admin', tier: 'enterprise' },
    { email: 'user@example.com', name: 'User', role: 'user', tier: 'free' },
  ]);
  const resources = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM resources');
  assert.equal(resources.rows[0]?.n, 5);

  const repo = new UserRepository(pool);
  assert.equal(
    await verifyPassword('admin123', (await repo.findByEmail('admin@example.com'))?.passwordHash),
    true,
  );
  assert.equal(
    await verifyPassword('user123', (await repo.findByEmail('user@example.com'))?.passwordHash),
    true,
  );
});

test('does not seed a database that already has users', async () => {
  const pool = pools[0] as Pool;
  await pool.query('DELETE FROM resources');
  await pool.query("DELETE FROM users WHERE email = 'user@example.com'");
  assert.equal(await seedDevData(pool, logger), false);
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM resources');
  assert.equal(rows[0]?.n, 0);
});
