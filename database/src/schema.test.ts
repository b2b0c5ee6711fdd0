import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { createPgPool, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { runMigrations } from './migrate.js';

const { logger } = createCaptureLogger('schema-test');
let fromMigrations: TestDatabase;
let fromSchema: TestDatabase;
let a: Pool;
let b: Pool;

before(async () => {
  [fromMigrations, fromSchema] = await Promise.all([
    createTestDatabase('schema_m'),
    createTestDatabase('schema_s'),
  ]);
  const cfg = (url: string) => ({ url, poolMax: 1, connectTimeoutMs: 2000, statementTimeoutMs: 5000 });
  a = createPgPool(cfg(fromMigrations.url), logger, { applicationName: 'schema-test' });
  b = createPgPool(cfg(fromSchema.url), logger, { applicationName: 'schema-test' });
});
after(async () => {
  await Promise.all([a.end(), b.end()]);
  await Promise.all([fromMigrations.drop(), fromSchema.drop()]);
});

async function describeSchema(pool: Pool) {
  const columns = await pool.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
      ORDER BY table_name, ordinal_position`,
  );
  const indexes = await pool.query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY indexname`,
  );
  const constraints = await pool.query(
    `SELECT conrelid::regclass::text AS table_name, contype, pg_get_constraintdef(oid) AS def
       FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'schema_migrations'
      ORDER BY 1, 2, 3`,
  );
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows };
}

test('schema.sql creates exactly what the migrations create', async () => {
  await runMigrations(a, logger);
  await b.query(await readFile(new URL('../schema.sql', import.meta.url), 'utf8'));
  const expected = await describeSchema(a);
  assert.ok(expected.columns.length > 10, 'migrations produced columns');
  assert.deepEqual(await describeSchema(b), expected);
});
