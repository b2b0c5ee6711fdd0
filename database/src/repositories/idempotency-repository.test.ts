import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createPgPool, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { runMigrations } from '../migrate.js';
import { type IdempotencyRecord, IdempotencyRepository } from './idempotency-repository.js';

const { logger } = createCaptureLogger('idempotency-repo-test');
let db: TestDatabase;
let pool: Pool;
const DAY_MS = 86_400_000;
const record = (fingerprint: string, body = '{"id":1}'): IdempotencyRecord => ({
  fingerprint: fingerprint.repeat(64),
  status: 201,
  headers: { location: '/api/v1/resources/1' },
  body,
});

before(async () => {
  db = await createTestDatabase('idem_repo');
  pool = createPgPool({ url: db.url, poolMax: 3, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }, logger, {
    applicationName: 'idem-repo-test',
  });
  await runMigrations(pool, logger);
});
after(async () => {
  await pool.end();
  await db.drop();
});

test('a saved record is found in its scope only, and a live one is never replaced', async () => {
  const repo = new IdempotencyRepository(pool);
  assert.equal(await repo.find('user:1', 'k1'), null);
  assert.equal(await repo.save('user:1', 'k1', record('a'), DAY_MS), true);
  assert.deepEqual(await repo.find('user:1', 'k1'), record('a'));
  assert.equal(await repo.find('user:2', 'k1'), null, 'another scope does not see it');
  assert.equal(await repo.save('user:2', 'k1', record('b'), DAY_MS), true, 'nor collide with it');
  assert.equal(await repo.save('user:1', 'k1', record('c'), DAY_MS), false);
  assert.equal((await repo.find('user:1', 'k1'))?.fingerprint, 'a'.repeat(64));
});

test('an expired record is ignored, replaced by a new use of the key, and purged', async () => {
  const repo = new IdempotencyRepository(pool);
  await repo.save('user:3', 'old', record('a'), DAY_MS);
  await repo.save('user:3', 'gone', record('a'), DAY_MS);
  await pool.query(
    "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE scope = 'user:3'",
  );
  assert.equal(await repo.find('user:3', 'old'), null);
  assert.equal(await repo.save('user:3', 'old', record('d', '{"id":2}'), DAY_MS), true);
  assert.equal((await repo.find('user:3', 'old'))?.body, '{"id":2}');
  assert.equal(await repo.purgeExpired(), 1);
  assert.equal(
    (await pool.query("SELECT count(*)::int AS n FROM idempotency_keys WHERE scope = 'user:3'")).rows[0].n,
    1,
  );
});

test('tryLock: one transaction per key at a time, free again after COMMIT; other keys are independent', async () => {
  const [a, b] = [await pool.connect(), await pool.connect()];
  try {
    await a.query('BEGIN');
    await b.query('BEGIN');
    assert.equal(await new IdempotencyRepository(a).tryLock('user:4', 'k'), true);
    assert.equal(await new IdempotencyRepository(b).tryLock('user:4', 'k'), false);
    assert.equal(await new IdempotencyRepository(b).tryLock('user:5', 'k'), true, 'another scope');
    assert.equal(await new IdempotencyRepository(b).tryLock('user:4', 'k2'), true, 'another key');
    await a.query('COMMIT');
    assert.equal(await new IdempotencyRepository(b).tryLock('user:4', 'k'), true);
    await b.query('ROLLBACK');
  } finally {
    a.release();
    b.release();
  }
});
