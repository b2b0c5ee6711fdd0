import {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from '@floodgate/database/embedded';
import {
  createLogger,
  createPgPool,
  FloodgateError,
  type PostgresConfig,
  PostgresEnv,
  parseEnv,
  toPostgresConfig,
} from '@floodgate/shared';
import { redactUrl } from './redact-url.js';

export type PostgresSource = 'configured' | 'localhost' | 'embedded';

/** auto: configured, else localhost, else embedded. force: always embedded. never: fail instead. */
export type EmbeddedMode = 'auto' | 'force' | 'never';

export interface ResolvedPostgres {
  source: PostgresSource;
  /** Connection string for the children and the migrations (may hold a password: never print it). */
  url: string;
  /** `url` without its password. */
  displayUrl: string;
  /** What was found or done, for the first lines `floodgate up` prints. */
  note: string;
  /** Set for 'embedded': stop it after the children. */
  embedded: EmbeddedPostgres | null;
  /** Changes to the children's environment: a value sets, undefined removes. */
  childEnv: Record<string, string | undefined>;
}

export interface ResolvePostgresOptions {
  env: Readonly<Record<string, string | undefined>>;
  mode?: EmbeddedMode;
  /** Data dir of the embedded PostgreSQL (its files go to `<dataDir>/pgdata`). */
  dataDir: string;
  /** @default 'localhost' */
  probeHost?: string;
  /** @default POSTGRES_PORT or 5432 */
  probePort?: number;
  /** @default 1000 */
  probeTimeoutMs?: number;
  /** Database used (and created if missing) on a PostgreSQL found on localhost. @default POSTGRES_DB or 'floodgate' */
  database?: string;
  /** Pool size per child with the embedded server (one session serves all). @default PG_POOL_MAX or 4 */
  embeddedPoolMax?: number;
  start?: (options: EmbeddedPostgresOptions) => Promise<EmbeddedPostgres>;
}

const UNDEFINED_DATABASE = '3D000';
const DUPLICATE_DATABASE = '42P04';

/**
 * Which PostgreSQL `floodgate up` uses: the configured one (DATABASE_URL or POSTGRES_HOST), else
 * one on localhost:5432 (POSTGRES_USER/PASSWORD/DB/PORT apply; the database is created when
 * missing), else an embedded PGlite
 * served over the wire protocol. With mode 'never' and nothing found it throws
 * FloodgateError('DEPENDENCY_UNAVAILABLE').
 */
export async function resolvePostgres(options: ResolvePostgresOptions): Promise<ResolvedPostgres> {
  const env = options.env;
  const mode = options.mode ?? 'auto';
  if (mode !== 'force' && (env.DATABASE_URL || env.POSTGRES_HOST)) {
    const url = toPostgresConfig(parseEnv('floodgate up', PostgresEnv, env)).url;
    const from = env.DATABASE_URL ? 'DATABASE_URL' : 'POSTGRES_*';
    return {
      source: 'configured',
      url,
      displayUrl: redactUrl(url),
      note: `from ${from}`,
      embedded: null,
      childEnv: {},
    };
  }

  let probeNote = '';
  if (mode !== 'force') {
    const host = options.probeHost ?? 'localhost';
    const port = options.probePort ?? (env.POSTGRES_PORT ? Number(env.POSTGRES_PORT) : 5432);
    const database = options.database ?? env.POSTGRES_DB ?? 'floodgate';
    const user = env.POSTGRES_USER ?? 'postgres';
    const password = env.POSTGRES_PASSWORD ? `:${encodeURIComponent(env.POSTGRES_PASSWORD)}` : '';
    const base = `postgres://${encodeURIComponent(user)}${password}@${host}:${port}`;
    const url = `${base}/${encodeURIComponent(database)}`;
    const timeoutMs = options.probeTimeoutMs ?? 1000;
    const found = await probeDatabase(url, timeoutMs);
    let created = false;
    if (found.ok === false && found.code === UNDEFINED_DATABASE) {
      const made = await createDatabase(`${base}/postgres`, database, timeoutMs);
      created = made.ok;
      if (!made.ok)
        probeNote = `${host}:${port} has no database "${database}" and creating it failed: ${made.reason}`;
    } else if (!found.ok) {
      probeNote = `nothing usable on ${host}:${port} (${found.reason})`;
    }
    if (found.ok || created) {
      return {
        source: 'localhost',
        url,
        displayUrl: redactUrl(url),
        note: created ? `created database "${database}"` : `database "${database}"`,
        embedded: null,
        childEnv: { DATABASE_URL: url },
      };
    }
    if (mode === 'never') {
      throw new FloodgateError(
        'DEPENDENCY_UNAVAILABLE',
        `no PostgreSQL configured or found (${probeNote}); set DATABASE_URL or allow the embedded one`,
      );
    }
  }

  const embedded = await (options.start ?? startEmbeddedPostgres)({ dataDir: options.dataDir });
  const poolMax = options.embeddedPoolMax ?? Number(env.PG_POOL_MAX ?? 4);
  const cleared = Object.fromEntries(
    Object.keys(env)
      .filter((k) => k.startsWith('POSTGRES_'))
      .map((k) => [k, undefined]),
  );
  return {
    source: 'embedded',
    url: embedded.url,
    displayUrl: redactUrl(embedded.url),
    note: probeNote || 'PGlite served over the wire protocol',
    embedded,
    childEnv: { ...cleared, DATABASE_URL: embedded.url, PG_POOL_MAX: String(poolMax) },
  };
}

type ProbeResult = { ok: true } | { ok: false; code: string | undefined; reason: string };

function probeConfig(url: string, timeoutMs: number): PostgresConfig {
  return { url, poolMax: 1, connectTimeoutMs: timeoutMs, statementTimeoutMs: 5000 };
}

const silent = createLogger({ name: 'floodgate-probe', level: 'silent' });

async function probeDatabase(url: string, timeoutMs: number): Promise<ProbeResult> {
  const pool = createPgPool(probeConfig(url, timeoutMs), silent, { applicationName: 'floodgate-up' });
  try {
    await pool.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code, reason: describe(err) };
  } finally {
    await pool.end().catch(() => {});
  }
}

async function createDatabase(adminUrl: string, database: string, timeoutMs: number): Promise<ProbeResult> {
  const pool = createPgPool(probeConfig(adminUrl, timeoutMs), silent, { applicationName: 'floodgate-up' });
  try {
    await pool.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    return { ok: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    // Another process created it first: just as good.
    if (code === DUPLICATE_DATABASE) return { ok: true };
    return { ok: false, code, reason: describe(err) };
  } finally {
    await pool.end().catch(() => {});
  }
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  if (e.message?.includes('timeout')) return 'no answer in time';
  return e.message ?? String(err);
}
