import { runMigrations, seedDevData } from '@floodgate/database';
import { type ApiServerConfig, createPgPool, loadApiServerConfig, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { type ApiServer, type ApiServerDeps, createApiServer } from '../api-server.js';

export interface TestApi {
  app: ApiServer;
  config: ApiServerConfig;
  baseUrl: string;
  pool: Pool;
  db: TestDatabase | null;
  /** Parsed log lines so far; `raw()` is the text. */
  lines: () => Record<string, unknown>[];
  raw: () => string;
  close(): Promise<void>;
}

/**
 * An api-server on 127.0.0.1:0. With `database: true` (default) it gets a fresh migrated and
 * seeded database of its own, dropped by close(); `pool` replaces it (e.g. one at a dead port).
 */
export async function startTestApi(
  options: { env?: Record<string, string>; database?: boolean; deps?: ApiServerDeps } = {},
): Promise<TestApi> {
  const { logger, lines, raw } = createCaptureLogger('api-test');
  const db = options.deps?.pool || options.database === false ? null : await createTestDatabase('api');
  const config = loadApiServerConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    INSTANCE_ID: 'api-test',
    DATABASE_URL: db?.url ?? 'postgres://postgres@127.0.0.1:1/none',
    PG_POOL_MAX: '4',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const pool = options.deps?.pool ?? createPgPool(config.postgres, logger, { applicationName: 'api-test' });
  if (db) {
    await runMigrations(pool, logger);
    await seedDevData(pool, logger);
  }
  const app = await createApiServer(config, { logger, ...options.deps, pool });
  const port = await app.listen();
  return {
    app,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    pool,
    db,
    lines,
    raw,
    async close() {
      await app.close();
      await pool.end();
      await db?.drop();
    },
  };
}
