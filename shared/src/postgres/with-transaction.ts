import pg from 'pg';
import { type Clock, systemClock } from '../clock/clock.js';
import { FloodgateError } from '../errors/floodgate-error.js';
import { backendPid, type Pool, type PoolClient } from './create-pg-pool.js';

export interface TransactionOptions<T> {
  /** Commit only when this holds for the result of `work`; otherwise roll back. @default always commit */
  commitIf?: (value: T) => boolean;
  /**
   * How long to keep asking PostgreSQL, over other connections, whether a COMMIT whose answer was
   * lost took effect, before giving up with WRITE_OUTCOME_UNKNOWN.
   */
  outcomeLookupMs: number;
  clock?: Clock;
}

/** What a lost COMMIT turned out to be. */
export type CommitOutcome = 'committed' | 'aborted' | 'unknown';

const BEGIN = 'BEGIN; SELECT txid_current()::text AS xid';

/**
 * Runs `work` in a transaction on a client of `pool` and answers only with the truth about it:
 * - resolves: committed and durable (or rolled back because `commitIf` said so);
 * - throws any error but WRITE_OUTCOME_UNKNOWN: nothing was committed;
 * - throws WRITE_OUTCOME_UNKNOWN (503): PostgreSQL could not be asked in time whether it committed.
 *
 * The transaction's id is read with BEGIN (same round trip). A COMMIT that fails without an answer
 * from PostgreSQL (connection cut or terminated, read timeout) is resolved with `txid_status` on
 * another connection until `outcomeLookupMs` runs out; a backend that still holds the transaction
 * open (it has not noticed the cut) is terminated so that it decides. A client whose state is in
 * doubt is destroyed, never returned to the pool.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: TransactionOptions<T>,
): Promise<T> {
  const client = await pool.connect();
  // The pool logs the loss (createPgPool); this keeps it as the reason to report.
  let lost: Error | null = null;
  const onLost = (err: Error) => {
    lost ??= err;
  };
  client.on('error', onLost);
  let released = false;
  const release = (broken?: Error) => {
    if (released) return;
    released = true;
    client.removeListener('error', onLost);
    client.release(broken ?? lost ?? undefined);
  };
  try {
    let xid: string;
    let value: T;
    try {
      const results = (await client.query(BEGIN)) as unknown as pg.QueryResult<{ xid: string }>[];
      xid = results[1]?.rows[0]?.xid as string;
      value = await work(client);
      if (options.commitIf !== undefined && !options.commitIf(value)) {
        await client.query('ROLLBACK');
        return value;
      }
    } catch (err) {
      // COMMIT was never sent: nothing is committed, whatever happens to this ROLLBACK.
      await client.query('ROLLBACK').catch((rollbackErr: Error) => release(rollbackErr));
      // "Not queryable" after a lost connection says less than the loss itself.
      throw lost !== null && !(err instanceof pg.DatabaseError) ? lost : err;
    }
    try {
      await client.query('COMMIT');
      return value;
    } catch (err) {
      release(err as Error);
      // PostgreSQL answered the COMMIT with an error (serialization failure, deferred constraint):
      // it rolled back. A FATAL answer (the backend being terminated) decides nothing.
      if (err instanceof pg.DatabaseError && err.severity === 'ERROR') throw err;
      const outcome = await lookUpCommit(pool, xid, backendPid(client), options);
      if (outcome === 'committed') return value;
      if (outcome === 'aborted') throw lost ?? err;
      throw new FloodgateError(
        'WRITE_OUTCOME_UNKNOWN',
        'The database connection was lost during the commit and the outcome could not be verified',
        { cause: lost ?? err },
      );
    }
  } finally {
    release();
  }
}

/** Asks PostgreSQL, until the deadline, whether transaction `xid` committed. */
async function lookUpCommit(
  pool: Pool,
  xid: string,
  backendPid: number | null | undefined,
  options: { outcomeLookupMs: number; clock?: Clock },
): Promise<CommitOutcome> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.monotonic() + options.outcomeLookupMs;
  let delayMs = 20;
  let terminated = false;
  for (;;) {
    try {
      const { rows } = await pool.query<{ status: string | null }>('SELECT txid_status($1) AS status', [xid]);
      const status = rows[0]?.status ?? null;
      if (status === 'committed' || status === 'aborted') return status;
      // null: too old to be known (cannot happen for a transaction this recent).
      if (status === null) return 'unknown';
      if (!terminated && backendPid) {
        terminated = true;
        // The backend has not noticed that its client is gone (no FIN reached it): ending it makes
        // the transaction commit or abort now. The xid check makes sure it is still ours.
        await pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE pid = $1 AND backend_xid::text = ($2::bigint % 4294967296)::text`,
          [backendPid, xid],
        );
        continue;
      }
    } catch {
      // PostgreSQL unreachable or busy: ask again until the deadline.
    }
    if (clock.monotonic() + delayMs >= deadline) return 'unknown';
    await new Promise<void>((resolve) => clock.setTimeout(resolve, delayMs));
    delayMs = Math.min(delayMs * 2, 400);
  }
}
