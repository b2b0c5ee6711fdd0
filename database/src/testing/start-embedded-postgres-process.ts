import { fileURLToPath } from 'node:url';
import { startNodeProcess, type TestProcess } from '@floodgate/shared/testing';

const ENTRY = fileURLToPath(new URL('./serve-in-memory-postgres.ts', import.meta.url));

/** An embedded PostgreSQL in a process of its own; `url` is for `pg` clients. */
export interface EmbeddedPostgresProcess extends TestProcess {
  url: string;
}

/**
 * An in-memory PGlite served over the wire in its own process, for tests that run several
 * processes against the embedded PostgreSQL (PGlite's work stays off the test's event loop).
 */
export async function startEmbeddedPostgresProcess(): Promise<EmbeddedPostgresProcess> {
  const server = startNodeProcess(ENTRY, { name: 'embedded PostgreSQL' });
  const [, port] = await server.waitForOutput(/\{"port":(\d+)\}/).catch(async (err: unknown) => {
    await server.kill(); // the caller never gets it to stop
    throw err;
  });
  return Object.assign(server, { url: `postgres://postgres@127.0.0.1:${port}/postgres` });
}
