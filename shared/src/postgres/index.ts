export { createPgPool, type Pool, type PoolClient } from './create-pg-pool.js';
export {
  type CommitOutcome,
  type TransactionOptions,
  withTransaction,
} from './with-transaction.js';
