import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './data-dir-lock.js';
import { PgliteWireServer } from './pglite-wire-server.js';

export interface EmbeddedPostgres {
  /** Connection string for `pg` clients (no password: the embedded server does not authenticate). */
  url: string;
  port: number;
  /** Where PGlite keeps its files. */
  pgdataDir: string;
  /** See PgliteWireServer.stats(). */
  stats(): { connections: number; queuedMessages: number; sessionHeld: boolean };
  /** Closes client connections, stops listening and closes PGlite (flushing its files). */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The floodgate data dir; PGlite's files go to `<dataDir>/pgdata`. */
  dataDir: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  holdTimeoutMs?: number;
}

/**
 * Starts PGlite with its data under `<dataDir>/pgdata` (created on first use) and serves it on
 * 127.0.0.1 over the wire protocol, so processes that speak `pg` can use it as their PostgreSQL.
 * The data dir is locked for as long as it runs: a second instance on the same dir fails to start.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const pgdataDir = join(options.dataDir, 'pgdata');
  const lock = await lockDataDir(options.dataDir);
  let db: PGlite | undefined;
  let server: PgliteWireServer;
  try {
    await mkdir(pgdataDir, { recursive: true });
    db = await PGlite.create({ dataDir: pgdataDir });
    server = new PgliteWireServer({
      db,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      holdTimeoutMs: options.holdTimeoutMs,
    });
    await server.start();
  } catch (err) {
    await db?.close().catch(() => {});
    await lock.release();
    throw err;
  }
  const pglite = db;
  let stopped: Promise<void> | null = null;
  return {
    url: `postgres://postgres@${server.host}:${server.port}/postgres`,
    port: server.port,
    pgdataDir,
    stats: () => server.stats(),
    stop() {
      stopped ??= (async () => {
        try {
          await server.stop();
          await pglite.close();
        } finally {
          await lock.release();
        }
      })();
      return stopped;
    },
  };
}
