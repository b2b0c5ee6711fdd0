export { backendPid, createPgPool, type Pool, type PoolClient } from './create-pg-pool.js';
export {
  type CommitOutcome,
  lookUpCommit,
  type TransactionOptions,
  withTransaction,
} from './with-transaction.js';
