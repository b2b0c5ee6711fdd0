import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPgPool, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { loadMigrations, runMigrations } from './migrate.js';
import { MigrationError } from './migration-error.js';

const { logger } = createCaptureLogger('migrate-test');
const pgConfig = (url: string) => ({ url, poolMax: 2, connectTimeoutMs: 2000, statementTimeoutMs: 5000 });

describe('runMigrations', () => {
  let db: TestDatabase;
  const pools: Pool[] = [];
  const newPool = (url = db.url) => {
    const pool = createPgPool(pgConfig(url), logger, { applicationName: 'migrate-test' });
    pools.push(pool);
    return pool;
  };

  before(async () => {
    db = await createTestDatabase('migrate');
  });
  after(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });

  test('three concurrent runners apply every migration exactly once', async () => {
    const files = await loadMigrations();
    assert.ok(files.length >= 3);
    const results = await Promise.all([newPool(), newPool(), newPool()].map((p) => runMigrations(p, logger)));
    const all = results.flatMap((r) => r.applied).sort();
    assert.deepEqual(
      all,
      files.map((f) => `${f.version}_${f.name}`),
    );
    const { rows } = await newPool().query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows,
      files.map((f) => ({ version: f.version, checksum: f.checksum })),
    );
    const tables = await newPool().query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    assert.deepEqual(
      tables.rows.map((r) => r.table_name),
      ['api_keys', 'consumers', 'idempotency_keys', 'resources', 'schema_migrations', 'sessions', 'users'],
    );
  });

  test('a second run applies nothing', async () => {
    assert.deepEqual(await runMigrations(newPool(), logger), { applied: [] });
  });

  test('refuses to run when an applied migration changed', async () => {
    const pool = newPool();
    await pool.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '001'");
    await assert.rejects(runMigrations(pool, logger), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /001_users.*checksum/);
      return true;
    });
    // The lock was released: another run is not blocked (it fails the same way, at once).
    await assert.rejects(runMigrations(newPool(), logger, { lockTimeoutMs: 2000 }), /checksum/);
  });
});

describe('runMigrations with a custom directory', () => {
  let db: TestDatabase;
  let dir: string;
  let pool: Pool;

  before(async () => {
    db = await createTestDatabase('migrate_dir');
    dir = await mkdtemp(join(tmpdir(), 'fg-migrations-'));
    pool = createPgPool(pgConfig(db.url), logger, { applicationName: 'migrate-test' });
  });
  after(async () => {
    await pool.end();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a failing migration rolls back entirely and stops the run', async () => {
    await writeFile(join(dir, '001_ok.sql'), 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n');
    await writeFile(join(dir, '002_bad.sql'), 'CREATE TABLE c (id int);\nSELECT no_such_function();\n');
    await writeFile(join(dir, '003_later.sql'), 'CREATE TABLE d (id int);\n');
    await assert.rejects(runMigrations(pool, logger, { dir }), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /002_bad failed/);
      return true;
    });
    const { rows } = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    assert.deepEqual(
      rows.map((r) => r.table_name),
      ['a', 'b', 'schema_migrations'],
    );
    const applied = await pool.query<{ version: string }>('SELECT version FROM schema_migrations');
    assert.deepEqual(
      applied.rows.map((r) => r.version),
      ['001'],
    );

    // Fixing the file lets the run continue where it stopped.
    await writeFile(join(dir, '002_bad.sql'), 'CREATE TABLE c (id int);\n');
    assert.deepEqual(await runMigrations(pool, logger, { dir }), { applied: ['002_bad', '003_later'] });
  });

  test('refuses misnamed migration files', async () => {
    await writeFile(join(dir, '4_no_padding.sql'), 'SELECT 1;');
    await assert.rejects(runMigrations(pool, logger, { dir }), /4_no_padding\.sql.*NNN_/);
    await rm(join(dir, '4_no_padding.sql'));
  });
});
