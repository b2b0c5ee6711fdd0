import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isFloodgateError } from '../errors/floodgate-error.js';
import { createCaptureLogger } from '../testing/capture-logger.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.js';
import { backendPid, createPgPool, type Pool, type PoolClient } from './create-pg-pool.js';
import { withTransaction } from './with-transaction.js';

const { logger, lines } = createCaptureLogger('with-transaction-test');
const poolConfig = (url: string) => ({ url, poolMax: 4, connectTimeoutMs: 2000, statementTimeoutMs: 5000 });
const options = { outcomeLookupMs: 3000 };

let db: TestDatabase;
let admin: Pool;
let pool: Pool;
let proxy: TcpProxy;
let proxied: Pool;

before(async () => {
  db = await createTestDatabase('with_tx');
  admin = createPgPool(poolConfig(db.url), logger, { applicationName: 'with-tx-admin' });
  pool = createPgPool(poolConfig(db.url), logger, { applicationName: 'with-tx' });
  const url = new URL(db.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  url.port = String(proxy.port);
  proxied = createPgPool(poolConfig(url.toString()), logger, { applicationName: 'with-tx-proxied' });
  await admin.query(`CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);
    CREATE TABLE uniq (v int, CONSTRAINT uniq_v UNIQUE (v) DEFERRABLE INITIALLY DEFERRED)`);
});
after(async () => {
  await Promise.all([admin.end(), pool.end(), proxied.end()]);
  await proxy.close();
  await db.drop();
});

const stored = async (body: string) =>
  Number((await admin.query('SELECT count(*)::int AS n FROM notes WHERE body = $1', [body])).rows[0].n);

/** Ends the client's backend from another connection and waits until the client has seen it. */
async function terminate(client: PoolClient): Promise<void> {
  const ended = new Promise((resolve) => client.once('end', resolve));
  await admin.query('SELECT pg_terminate_backend($1)', [backendPid(client)]);
  await ended;
}

describe('createPgPool', () => {
  it('keeps the process alive when a checked-out client loses its connection', async () => {
    const client = await pool.connect();
    // Without a listener on the checked-out client, this 'error' is thrown: the test process dies.
    await terminate(client);
    await assert.rejects(client.query('SELECT 1'));
    client.release(true);
    assert.equal((await pool.query('SELECT 1 AS one')).rows[0].one, 1, 'the pool reconnects');
    assert.ok(lines().some((l) => l.msg === 'postgres connection lost (the pool will reconnect)'));
  });

  it('keeps it alive when the connection is lost between statements of a transaction', async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query("INSERT INTO notes (body) VALUES ('raw-tx')");
    await terminate(client);
    client.release(true);
    assert.equal(await stored('raw-tx'), 0);
  });
});

describe('withTransaction', () => {
  it('commits the work and resolves with its value', async () => {
    const id = await withTransaction(
      pool,
      async (c) => (await c.query("INSERT INTO notes (body) VALUES ('ok') RETURNING id")).rows[0].id,
      options,
    );
    assert.equal(typeof id, 'number');
    assert.equal(await stored('ok'), 1);
  });

  it('rolls back when commitIf says no, and when the work throws', async () => {
    const value = await withTransaction(
      pool,
      async (c) => {
        await c.query("INSERT INTO notes (body) VALUES ('no')");
        return null;
      },
      { ...options, commitIf: (v) => v !== null },
    );
    assert.equal(value, null);
    await assert.rejects(
      withTransaction(
        pool,
        async (c) => {
          await c.query("INSERT INTO notes (body) VALUES ('no')");
          throw new Error('work failed');
        },
        options,
      ),
      /work failed/,
    );
    assert.equal(await stored('no'), 0);
  });

  it('rejects with the connection error when the backend is terminated between statements', async () => {
    await assert.rejects(
      withTransaction(
        pool,
        async (c) => {
          await c.query("INSERT INTO notes (body) VALUES ('between')");
          await terminate(c);
          await c.query('SELECT 1');
        },
        options,
      ),
      (err: Error & { code?: string }) => err.code === '57P01',
    );
    assert.equal(await stored('between'), 0);
  });

  it('rejects when the backend is terminated during a statement', async () => {
    await assert.rejects(
      withTransaction(
        pool,
        async (c) => {
          await c.query("INSERT INTO notes (body) VALUES ('during')");
          // Handled at once: it fails while the test still awaits the termination.
          const sleeping = c.query('SELECT pg_sleep(30)').then(
            () => null,
            (err: Error) => err,
          );
          await waitForActive(backendPid(c));
          await admin.query('SELECT pg_terminate_backend($1)', [backendPid(c)]);
          const failed = await sleeping;
          if (failed !== null) throw failed;
        },
        options,
      ),
      (err: Error & { code?: string }) => err.code === '57P01' || /terminated/.test(err.message),
    );
    assert.equal(await stored('during'), 0);
  });

  it('rejects without looking further when PostgreSQL answers the COMMIT with an error', async () => {
    await assert.rejects(
      withTransaction(
        pool,
        async (c) => {
          await c.query('INSERT INTO uniq (v) VALUES (1), (1)');
        },
        options,
      ),
      (err: Error & { code?: string }) => err.code === '23505',
    );
  });

  it('rejects when the COMMIT never reached PostgreSQL (nothing stored)', async () => {
    const cut = proxy.cutOnce('COMMIT', 'request');
    const result = withTransaction(
      proxied,
      (c) => c.query("INSERT INTO notes (body) VALUES ('cut-before')"),
      {
        ...options,
      },
    );
    await assert.rejects(
      result,
      (err) => !isFloodgateError(err) && /terminated/i.test((err as Error).message),
    );
    await cut;
    assert.equal(await stored('cut-before'), 0);
  });

  it('resolves when the COMMIT took effect but its answer was lost (looked up)', async () => {
    const cut = proxy.cutOnce('COMMIT', 'reply');
    const rows = await withTransaction(
      proxied,
      async (c) => (await c.query("INSERT INTO notes (body) VALUES ('cut-after') RETURNING id")).rowCount,
      options,
    );
    await cut;
    assert.equal(rows, 1);
    assert.equal(await stored('cut-after'), 1);
  });

  it('ends a backend that never learned of the cut, then reports the abort (nothing stored)', async () => {
    const cut = proxy.cutOnce('COMMIT', 'silent');
    await assert.rejects(
      withTransaction(proxied, (c) => c.query("INSERT INTO notes (body) VALUES ('silent')"), options),
      (err) => !isFloodgateError(err) && /terminated/i.test((err as Error).message),
    );
    await cut;
    assert.equal(await stored('silent'), 0);
    // The orphaned backend was terminated (it leaves pg_stat_activity as it exits).
    await waitForGone("application_name = 'with-tx-proxied' AND state = 'idle in transaction'");
  });

  it('answers WRITE_OUTCOME_UNKNOWN when PostgreSQL cannot be asked in time', async () => {
    const cut = proxy.cutOnce('COMMIT', 'reply');
    void cut.then(() => proxy.setMode('refuse'));
    await assert.rejects(
      withTransaction(proxied, (c) => c.query("INSERT INTO notes (body) VALUES ('unknown')"), {
        outcomeLookupMs: 300,
      }),
      (err) => isFloodgateError(err) && err.code === 'WRITE_OUTCOME_UNKNOWN' && err.status === 503,
    );
    proxy.setMode('pass');
    // It did commit: "unknown" was the honest answer.
    assert.equal(await stored('unknown'), 1);
  });
});

/** Waits until no backend matches `where` (bounded). */
async function waitForGone(where: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await admin.query(`SELECT 1 FROM pg_stat_activity WHERE ${where}`)).rowCount === 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`a backend with ${where} is still there`);
}

/** Waits until the backend `pid` runs a statement (bounded). */
async function waitForActive(pid: number | null): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", [
      pid,
    ]);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`backend ${pid} never became active`);
}
