import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createLogger, createPgPool, type Pool } from '@floodgate/shared';
import { dataRows, RawWireClient, readyStatus, wire } from '../testing/raw-wire-client.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

const HOLD_TIMEOUT_MS = 500;
const logger = createLogger({ name: 'test', level: 'silent' });

let dir: string;
let embedded: EmbeddedPostgres;
let pool: Pool;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fg-embedded-'));
  embedded = await startEmbeddedPostgres({ dataDir: dir, holdTimeoutMs: HOLD_TIMEOUT_MS });
  pool = createPgPool(
    { url: embedded.url, poolMax: 4, connectTimeoutMs: 5000, statementTimeoutMs: 5000 },
    logger,
    { applicationName: 'embedded-test' },
  );
  await pool.query('CREATE TABLE items (id int PRIMARY KEY, owner text NOT NULL)');
});

after(async () => {
  await pool?.end();
  await embedded?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Yields to the event loop until `condition` holds (the test's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn();
}

describe('embedded PostgreSQL', { timeout: 20_000 }, () => {
  it('serves pg clients on 127.0.0.1 from files under the data dir, which it locks', async () => {
    assert.match(embedded.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    assert.equal(embedded.pgdataDir, join(dir, 'pgdata'));
    assert.ok(
      (await stat(join(dir, 'pgdata', 'PG_VERSION'))).isFile(),
      'data lives on disk under the data dir',
    );
    await assert.rejects(startEmbeddedPostgres({ dataDir: dir }), /in use by a running floodgate/);
  });

  it('runs two connections’ multi-statement transactions one after the other, never mixed', async () => {
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    const events: string[] = [];
    const run = async (client: typeof a, name: string, id: number, commit: boolean) => {
      await client.query('BEGIN');
      events.push(`${name}:begin`);
      const tx1 = (await client.query<{ tx: string }>('SELECT txid_current()::text AS tx')).rows[0]?.tx;
      await client.query('INSERT INTO items (id, owner) VALUES ($1, $2)', [id, name]);
      const seen = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]?.n;
      const tx2 = (await client.query<{ tx: string }>('SELECT txid_current()::text AS tx')).rows[0]?.tx;
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      events.push(`${name}:end`);
      return { tx1, tx2, seen };
    };
    try {
      const [ra, rb] = await Promise.all([run(a, 'a', 1, true), run(b, 'b', 2, false)]);
      assert.equal(ra.tx1, ra.tx2, 'a: every statement in one transaction');
      assert.equal(rb.tx1, rb.tx2, 'b: every statement in one transaction');
      assert.notEqual(ra.tx1, rb.tx1, 'a and b are different transactions');
      assert.deepEqual(events, ['a:begin', 'a:end', 'b:begin', 'b:end'], 'b waited for a to finish');
      assert.equal(ra.seen, 1);
      assert.equal(rb.seen, 2, 'b sees a’s committed row and its own');
    } finally {
      a.release();
      b.release();
    }
    const { rows } = await pool.query('SELECT id, owner FROM items ORDER BY id');
    assert.deepEqual(rows, [{ id: 1, owner: 'a' }], 'a committed, b rolled back');
  });

  it('keeps an extended query split over several writes whole while another connection waits', async () => {
    const raw = await RawWireClient.connect(embedded.port);
    try {
      raw.send(wire.parse('SELECT $1::int + 1000 AS a'));
      await raw.readUntil('1'); // ParseComplete: raw now holds the session, mid extended query
      // pg sends Parse/Bind/Execute/Sync for its own unnamed statement; it must not run in between.
      let otherDone = false;
      const other = pool.query<{ b: number }>('SELECT $1::int AS b', [7]).finally(() => {
        otherDone = true;
      });
      // Its messages reached the server: queued behind us (or, were they not kept out, already run).
      await until(() => embedded.stats().queuedMessages > 0 || otherDone);
      assert.equal(otherDone, false, 'the other connection ran while this one was mid extended query');
      raw.send(wire.bind(['5']), wire.execute(), wire.sync());
      const reply = await raw.readUntil('Z');
      assert.deepEqual(dataRows(reply), [['1005']], 'the Bind ran the statement this connection parsed');
      assert.equal(readyStatus(reply), 'I');
      assert.deepEqual((await other).rows, [{ b: 7 }]);
    } finally {
      raw.close();
    }
  });

  it('rolls back what a connection that died mid-transaction held and serves the one waiting', async () => {
    const raw = await RawWireClient.connect(embedded.port);
    raw.send(wire.query("BEGIN; INSERT INTO items (id, owner) VALUES (100, 'dead')"));
    assert.equal(readyStatus(await raw.readUntil('Z')), 'T');
    const waiting = pool.query("INSERT INTO items (id, owner) VALUES (101, 'waiter')");
    await until(() => embedded.stats().queuedMessages > 0);
    raw.close();
    await waiting;
    const { rows } = await pool.query('SELECT id FROM items WHERE id >= 100 ORDER BY id');
    assert.deepEqual(rows, [{ id: 101 }]);
    assert.equal(embedded.stats().sessionHeld, false);
  });

  it('cuts off a connection that sits idle in a transaction while others wait', async () => {
    const raw = await RawWireClient.connect(embedded.port);
    raw.send(wire.query("BEGIN; INSERT INTO items (id, owner) VALUES (200, 'idle')"));
    assert.equal(readyStatus(await raw.readUntil('Z')), 'T');
    const closed = once(raw.socket, 'close');
    const started = performance.now();
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 200');
    const waitedMs = performance.now() - started;
    await closed;
    assert.deepEqual(rows, [{ n: 0 }], 'the idle transaction was rolled back');
    assert.ok(waitedMs >= HOLD_TIMEOUT_MS - 50, `waited for the hold timeout (${Math.round(waitedMs)} ms)`);
  });
});
