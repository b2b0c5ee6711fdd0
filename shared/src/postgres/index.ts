export { createPgPool, type Pool, type PoolClient } from './create-pg-pool.js';
