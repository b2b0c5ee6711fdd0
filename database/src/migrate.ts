import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger, Pool, PoolClient } from '@floodgate/shared';
import { MigrationError } from './migration-error.js';

/** The directory of numbered migration files, next to `src/` (and `dist/`). */
const MIGRATIONS_DIR: URL = new URL('../migrations/', import.meta.url);

/**
 * Key of the session-level advisory lock that serialises migration runs across processes.
 * Any constant works as long as nothing else in the database uses it.
 */
const MIGRATION_LOCK_KEY = 7_206_151_001;

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;
const QUERY_CANCELED = '57014';

export interface Migration {
  /** "001": the primary key in schema_migrations. */
  version: string;
  /** "users": the file name after the version. */
  name: string;
  /** SHA-256 hex of the file with line endings normalised to \n. */
  checksum: string;
  sql: string;
}

export interface RunMigrationsOptions {
  /** Where the NNN_name.sql files are. @default MIGRATIONS_DIR */
  dir?: URL | string;
  /** How long to wait for another process's run to finish. @default 60000 */
  lockTimeoutMs?: number;
  /** Server-side cap on one migration file. @default 600000 */
  migrationTimeoutMs?: number;
}

/** Reads and orders the migration files; refuses misnamed files and duplicate versions. */
export async function loadMigrations(dir: URL | string = MIGRATIONS_DIR): Promise<Migration[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const files = (await readdir(path)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const m = FILE_NAME.exec(file);
    if (!m) throw new MigrationError(`migration file "${file}" is not named NNN_lower_snake_name.sql`);
    const version = m[1] as string;
    if (seen.has(version)) throw new MigrationError(`two migration files share version ${version}`);
    seen.add(version);
    const sql = (await readFile(`${path.replace(/\/?$/, '/')}${file}`, 'utf8')).replace(/\r\n/g, '\n');
    const checksum = createHash('sha256').update(sql).digest('hex');
    migrations.push({ version, name: m[2] as string, checksum, sql });
  }
  return migrations;
}

/**
 * Applies pending migrations, forward only, each in its own transaction. Idempotent, and safe when
 * many processes start at once: the whole run holds a session advisory lock on one connection, so
 * runs are serialised and a later run finds the work done. Refuses to run when a file that was
 * already applied has changed. Returns the migrations this call applied, as "NNN_name".
 */
export async function runMigrations(
  pool: Pool,
  logger: Logger,
  opts: RunMigrationsOptions = {},
): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(opts.dir);
  const lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
  const migrationTimeoutMs = opts.migrationTimeoutMs ?? 600_000;
  const client = await pool.connect();
  let broken: Error | undefined;
  let locked = false;
  try {
    await acquireLock(client, lockTimeoutMs);
    locked = true;
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    text PRIMARY KEY,
      name       text NOT NULL,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: string; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    for (const m of migrations) {
      const row = done.get(m.version);
      if (row && row.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${m.version}_${m.name} was changed after it was applied (checksum mismatch); ` +
            'migrations are forward-only: add a new migration instead of editing an applied one',
        );
      }
    }
    const known = new Set(migrations.map((m) => m.version));
    const unknown = rows.filter((r) => !known.has(r.version)).map((r) => `${r.version}_${r.name}`);
    if (unknown.length > 0) {
      logger.warn({ unknown }, 'database has migrations this build does not know (newer schema)');
    }

    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      const id = `${m.version}_${m.name}`;
      const started = performance.now();
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL statement_timeout = ${Math.trunc(migrationTimeoutMs)}`);
        // No parameters: the simple protocol, so a file may hold many statements.
        await timedQuery(client, m.sql, undefined, migrationTimeoutMs + 1000);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr;
        });
        throw new MigrationError(`migration ${id} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(id);
      logger.info({ migration: id, ms: Math.round(performance.now() - started) }, 'migration applied');
    }
    if (applied.length === 0) logger.debug('database schema is up to date');
    return { applied };
  } catch (err) {
    if (!(err instanceof MigrationError)) broken = err as Error;
    throw err;
  } finally {
    if (locked && !broken) {
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      } catch (err) {
        broken = err as Error;
      }
    }
    // A connection in an unknown state is destroyed, which also releases its session lock.
    client.release(broken);
  }
}

async function acquireLock(client: PoolClient, timeoutMs: number): Promise<void> {
  // The wait is bounded by this statement's own timeout, not by the pool's (usually short) one.
  await client.query(`SET statement_timeout = ${Math.trunc(timeoutMs)}`);
  try {
    await timedQuery(client, 'SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY], timeoutMs + 1000);
  } catch (err) {
    if ((err as { code?: string }).code === QUERY_CANCELED) {
      throw new MigrationError(
        `timed out after ${timeoutMs} ms waiting for the migration lock held by another process`,
        { cause: err },
      );
    }
    throw err;
  } finally {
    await client.query('RESET statement_timeout');
  }
}

/** A query with its own client-side read timeout (pg accepts it per query; its types omit it). */
function timedQuery(client: PoolClient, text: string, values: unknown[] | undefined, timeoutMs: number) {
  const config = { text, values, query_timeout: timeoutMs };
  return client.query(config);
}
