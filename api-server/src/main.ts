import { runMigrations, seedDevData } from '@floodgate/database';
import { createLogger, createPgPool, loadApiServerConfig, runMain } from '@floodgate/shared';
import { createApiServer } from './api-server.js';

// Entry point: config from env, migrations (+ dev seed) before listening, clean stop on SIGTERM.
await runMain(async () => {
  const config = loadApiServerConfig();
  const logger = createLogger({ name: 'api-server', level: config.logLevel });
  const log = logger.child({ instanceId: config.instanceId });
  const pool = createPgPool(config.postgres, log, { applicationName: `floodgate-${config.instanceId}` });
  try {
    if (config.runMigrations) {
      await runMigrations(pool, log);
      if (config.seedDevData) await seedDevData(pool, log);
    }
    const app = await createApiServer(config, { pool, logger });
    await app.listen();
    return {
      async close() {
        await app.close({ delayMs: config.shutdownDelayMs });
        await pool.end();
      },
    };
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
});
