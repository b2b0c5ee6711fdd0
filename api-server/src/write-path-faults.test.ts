import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPgPool, type Pool } from '@floodgate/shared';
import {
  createCaptureLogger,
  createTestDatabase,
  fetchJson,
  login,
  startRedisServer,
  startTcpProxy,
  type TcpProxy,
  type TestDatabase,
  type TestRedisServer,
  waitUntil,
} from '@floodgate/shared/testing';
import { type ApiProcess, startApiProcess } from './testing/start-api-process.js';

/**
 * The write path under real PostgreSQL faults, with the api-server as its own process: its
 * connection is terminated or cut at each point of a write (during a statement, between
 * statements, before the COMMIT arrives, after it committed). The process never exits; a 2xx means
 * the row is stored; any other answer means it is not, unless the answer was WRITE_OUTCOME_UNKNOWN.
 */
const INSTANCE = 'write-faults';
const { logger } = createCaptureLogger('write-faults-test');
let db: TestDatabase;
let admin: Pool;
let proxy: TcpProxy;
let redis: TestRedisServer;
let api: ApiProcess;
let token: string;

before(async () => {
  db = await createTestDatabase('write_faults');
  const url = new URL(db.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  url.port = String(proxy.port);
  redis = await startRedisServer();
  api = await startApiProcess(INSTANCE, {
    DATABASE_URL: url.toString(),
    REDIS_URL: redis.url,
    PG_CONNECT_TIMEOUT_MS: '1000',
    // A write waits this long for a frozen Redis, idle in its transaction meanwhile.
    CACHE_L2_TIMEOUT_MS: '5000',
  });
  admin = createPgPool(
    { url: db.url, poolMax: 2, connectTimeoutMs: 2000, statementTimeoutMs: 10_000 },
    logger,
    {
      applicationName: 'write-faults-admin',
    },
  );
  token = await login(api.baseUrl);
});

after(async () => {
  redis.thaw();
  await api?.stop();
  await proxy?.close();
  await redis?.close();
  await admin?.end();
  await db?.drop();
});

const alive = () => !api.hasExited();
const post = (name: string) =>
  fetchJson(`${api.baseUrl}/api/v1/resources`, { method: 'POST', token, body: { name, type: 'fault' } });
const rows = async (name: string) =>
  Number((await admin.query('SELECT count(*)::int AS n FROM resources WHERE name = $1', [name])).rows[0].n);

/** The pid of the instance's backend that matches `where` (pg_stat_activity), once there is one. */
async function writerPid(where: string): Promise<number> {
  let pid = 0;
  await waitUntil(`a backend of ${INSTANCE} with ${where}`, async () => {
    const { rows: found } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND ${where}`,
      [`floodgate-${INSTANCE}`],
    );
    pid = found[0]?.pid ?? 0;
    return pid !== 0;
  });
  return pid;
}

async function assertServing(): Promise<void> {
  assert.ok(alive(), 'the api-server is still running');
  await waitUntil('the api-server ready again', async () => {
    const res = await fetch(`${api.baseUrl}/health/ready`).catch(() => null);
    return res?.status === 200;
  });
}

describe('api-server write path under PostgreSQL faults', () => {
  it('a backend terminated during the INSERT: 503, nothing stored, no exit', async () => {
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE resources IN EXCLUSIVE MODE');
      const answer = post('during-insert');
      const pid = await writerPid(`wait_event_type = 'Lock'`);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await locker.query('ROLLBACK');
      const res = await answer;
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'DEPENDENCY_UNAVAILABLE');
    } finally {
      locker.release();
    }
    assert.equal(await rows('during-insert'), 0);
    await assertServing();
  });

  it('a backend terminated between statements (idle in transaction, Redis paused): 503, nothing stored, no exit', async () => {
    redis.freeze();
    try {
      const answer = post('between-statements');
      const pid = await writerPid(`state = 'idle in transaction'`);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const res = await answer;
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error.code, 'DEPENDENCY_UNAVAILABLE');
    } finally {
      redis.thaw();
    }
    assert.equal(await rows('between-statements'), 0);
    await assertServing();
  });

  it('the connection cut before the COMMIT arrives: 503, nothing stored, no exit', async () => {
    const cut = proxy.cutOnce('COMMIT', 'request');
    const res = await post('cut-before-commit');
    await cut;
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'DEPENDENCY_UNAVAILABLE');
    assert.equal(await rows('cut-before-commit'), 0);
    await assertServing();
  });

  it('the connection cut after the COMMIT took effect: the outcome is looked up, 201, one row', async () => {
    const cut = proxy.cutOnce('COMMIT', 'reply');
    const res = await post('cut-after-commit');
    await cut;
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(await rows('cut-after-commit'), 1);
    const read = await fetchJson(`${api.baseUrl}/api/v1/resources/${res.body.id}`);
    assert.equal(read.body.name, 'cut-after-commit');
    await assertServing();
  });

  it('PostgreSQL unreachable right after a COMMIT: WRITE_OUTCOME_UNKNOWN, never a 2xx or a plain 503', async () => {
    const cut = proxy.cutOnce('COMMIT', 'reply').then(() => {
      // Every connection (the pool's idle ones, the cache bus) goes, and no new one gets through.
      proxy.setMode('refuse');
    });
    const res = await post('outcome-unknown');
    await cut;
    proxy.setMode('pass');
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'WRITE_OUTCOME_UNKNOWN');
    // It had committed: "unknown" was the honest answer.
    assert.equal(await rows('outcome-unknown'), 1);
    await assertServing();
  });

  it('every connection of the instance terminated while idle: no exit, the next write works', async () => {
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1',
      [`floodgate-%${INSTANCE}`],
    );
    await assertServing();
    const res = await post('after-terminations');
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(await rows('after-terminations'), 1);
  });
});
