// Serves an in-memory PGlite over the PostgreSQL wire protocol with the CLI's PgliteWireServer (what
// `floodgate up` uses in embedded mode) and prints {"port":N}. Stops on SIGTERM. Run with
// `node --import tsx --conditions=source` so @floodgate/cli resolves to its sources. Plain JS so
// that api-server's type check does not take in the cli workspace.
import { PGlite } from '@electric-sql/pglite';
import { PgliteWireServer } from '@floodgate/cli/infra/pglite-wire-server';

const db = await PGlite.create();
const server = new PgliteWireServer({ db, host: '127.0.0.1', port: 0 });
await server.start();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.on('SIGTERM', async () => {
  await server.stop();
  await db.close();
  process.exit(0);
});
