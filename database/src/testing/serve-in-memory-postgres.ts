// Serves an in-memory PGlite over the PostgreSQL wire protocol, as `floodgate up --embedded` serves
// its on-disk one, and prints {"port":N}. Stops on SIGTERM. Started by startEmbeddedPostgresProcess.
import { PGlite } from '@electric-sql/pglite';
import { PgliteWireServer } from '../embedded/pglite-wire-server.js';

const db = await PGlite.create();
const server = new PgliteWireServer({ db, host: '127.0.0.1', port: 0 });
await server.start();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.once('SIGTERM', async () => {
  await server.stop();
  await db.close();
  process.exit(0);
});
