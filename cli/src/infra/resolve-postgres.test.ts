import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EmbeddedPostgres } from '@floodgate/database/embedded';
import { createLogger, createPgPool } from '@floodgate/shared';
import { getFreePort, TEST_PG_ADMIN_URL } from '@floodgate/shared/testing';
import { resolvePostgres } from './resolve-postgres.js';

const logger = createLogger({ name: 'test', level: 'silent' });
const admin = new URL(TEST_PG_ADMIN_URL);
const pgHost = admin.hostname;
const pgPort = Number(admin.port || 5432);

let dir: string;
let deadPort: number;
const toDrop: string[] = [];
const notStarted = () => Promise.reject(new Error('the embedded PostgreSQL must not start here'));
/** What `start` returns in place of a real embedded PostgreSQL (tested in database/src/embedded/). */
const fakeEmbedded = (dataDir: string): EmbeddedPostgres => ({
  url: 'postgres://postgres@127.0.0.1:1/postgres',
  port: 1,
  pgdataDir: join(dataDir, 'pgdata'),
  stats: () => ({ connections: 0, queuedMessages: 0, sessionHeld: false }),
  stop: async () => {},
});

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-resolve-pg-'));
  deadPort = await getFreePort();
});

after(async () => {
  const pool = createPgPool(
    { url: TEST_PG_ADMIN_URL, poolMax: 1, connectTimeoutMs: 5000, statementTimeoutMs: 0 },
    logger,
    { applicationName: 'resolve-postgres-test' },
  );
  try {
    for (const name of toDrop) await pool.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await pool.end();
  }
  await rm(dir, { recursive: true, force: true });
});

describe('resolvePostgres', () => {
  it('uses DATABASE_URL when set, without probing, and never prints its password', async () => {
    const r = await resolvePostgres({
      env: { DATABASE_URL: 'postgres://app:hunter2@db.internal:5433/prod' },
      dataDir: dir,
      probePort: deadPort,
      start: notStarted,
    });
    assert.equal(r.source, 'configured');
    assert.equal(r.url, 'postgres://app:hunter2@db.internal:5433/prod');
    assert.equal(r.displayUrl, 'postgres://app@db.internal:5433/prod');
    assert.deepEqual(r.childEnv, {});
    assert.equal(r.embedded, null);
  });

  it('builds the URL from POSTGRES_* when POSTGRES_HOST is set', async () => {
    const r = await resolvePostgres({
      env: { POSTGRES_HOST: 'pg', POSTGRES_DB: 'fg', POSTGRES_USER: 'u', POSTGRES_PASSWORD: 'p' },
      dataDir: dir,
      start: notStarted,
    });
    assert.equal(r.source, 'configured');
    assert.equal(r.url, 'postgres://u:p@pg:5432/fg');
  });

  it('uses the PostgreSQL on localhost, creating its database when missing', async () => {
    const database = `fg_cli_resolve_${process.pid}_${Date.now()}`;
    toDrop.push(database);
    const options = {
      env: {},
      dataDir: dir,
      probeHost: pgHost,
      probePort: pgPort,
      database,
      start: notStarted,
    };
    const first = await resolvePostgres(options);
    assert.equal(first.source, 'localhost');
    assert.equal(first.note, `created database "${database}"`);
    assert.equal(first.url, `postgres://postgres@${pgHost}:${pgPort}/${database}`);
    assert.deepEqual(first.childEnv, { DATABASE_URL: first.url });
    const pool = createPgPool(
      { url: first.url, poolMax: 1, connectTimeoutMs: 5000, statementTimeoutMs: 0 },
      logger,
      { applicationName: 'resolve-postgres-test' },
    );
    try {
      const { rows } = await pool.query<{ db: string }>('SELECT current_database() AS db');
      assert.deepEqual(rows, [{ db: database }]);
    } finally {
      await pool.end();
    }
    const second = await resolvePostgres(options);
    assert.equal(second.note, `database "${database}"`, 'found as is the second time');
  });

  it('with FLOODGATE_EMBEDDED=false and nothing on the port, fails instead of embedding', async () => {
    await assert.rejects(
      resolvePostgres({ env: {}, mode: 'never', dataDir: dir, probePort: deadPort, start: notStarted }),
      (err: unknown) =>
        (err as { code?: string }).code === 'DEPENDENCY_UNAVAILABLE' &&
        /no PostgreSQL configured or found \(nothing usable on localhost:\d+ \(connection refused\)\)/.test(
          (err as Error).message,
        ),
    );
  });

  it('falls back to the embedded PostgreSQL when nothing answers on the probed port', async () => {
    const r = await resolvePostgres({
      env: { POSTGRES_USER: 'postgres', PATH: '/bin' },
      dataDir: dir,
      probeHost: '127.0.0.1',
      probePort: deadPort,
      start: async ({ dataDir }) => fakeEmbedded(dataDir),
    });
    assert.equal(r.source, 'embedded');
    assert.match(r.note, /connection refused/);
    assert.equal(r.url, 'postgres://postgres@127.0.0.1:1/postgres');
    assert.deepEqual(r.childEnv, {
      POSTGRES_USER: undefined,
      DATABASE_URL: r.url,
      PG_POOL_MAX: '4',
    });
  });

  it('--embedded ignores a configured and a reachable PostgreSQL', async () => {
    const started: string[] = [];
    const r = await resolvePostgres({
      env: { DATABASE_URL: 'postgres://configured/db', POSTGRES_HOST: 'pg' },
      mode: 'force',
      dataDir: dir,
      probeHost: pgHost,
      probePort: pgPort,
      start: async ({ dataDir }) => {
        started.push(dataDir);
        return fakeEmbedded(dataDir);
      },
    });
    assert.deepEqual(started, [dir]);
    assert.equal(r.source, 'embedded');
    assert.deepEqual(r.childEnv, {
      POSTGRES_HOST: undefined,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
      PG_POOL_MAX: '4',
    });
  });
});
