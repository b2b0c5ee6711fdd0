export {
  type EmbeddedPostgresProcess,
  startEmbeddedPostgresProcess,
} from './start-embedded-postgres-process.js';
