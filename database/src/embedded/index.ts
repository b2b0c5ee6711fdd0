export {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from './embedded-postgres.js';
export { PgliteWireServer, type PgliteWireServerOptions } from './pglite-wire-server.js';
