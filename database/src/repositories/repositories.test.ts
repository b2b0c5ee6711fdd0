import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPgPool, FloodgateError, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { runMigrations } from '../migrate.js';
import { hashSessionToken, isWellFormedSessionToken } from '../session-token.js';
import { decodeResourceCursor, encodeResourceCursor } from './resource-cursor.js';
import { ResourceRepository } from './resource-repository.js';
import { SessionRepository } from './session-repository.js';
import { UserRepository } from './user-repository.js';

const { logger } = createCaptureLogger('repo-test');
let db: TestDatabase;
let pool: Pool;
let users: UserRepository;
let userId: number;

before(async () => {
  db = await createTestDatabase('repos');
  pool = createPgPool({ url: db.url, poolMax: 3, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }, logger, {
    applicationName: 'repo-test',
  });
  await runMigrations(pool, logger);
  users = new UserRepository(pool);
  userId = (await users.create({ email: 'Ada@Example.com', name: 'Ada', passwordHash: 'x', tier: 'pro' })).id;
});
after(async () => {
  await pool.end();
  await db.drop();
});

describe('UserRepository', () => {
  test('findByEmail is case-insensitive and returns the hash; findById omits it', async () => {
    const found = await users.findByEmail('ada@EXAMPLE.com');
    assert.equal(found?.id, userId);
    assert.equal(found?.passwordHash, 'x');
    assert.equal(found?.tier, 'pro');
    assert.equal(found?.role, 'user');
    const byId = await users.findById(userId);
    assert.equal(byId?.email, 'Ada@Example.com');
    assert.equal('passwordHash' in (byId ?? {}), false);
    assert.match(byId?.createdAt ?? '', /^\d{4}-\d\d-\d\dT/);
  });

  test('unknown users are null, including ids no integer column can hold', async () => {
    assert.equal(await users.findByEmail('nobody@example.com'), null);
    assert.equal(await users.findById(999_999), null);
    assert.equal(await users.findById(2 ** 40), null);
  });

  test('email uniqueness ignores case', async () => {
    await assert.rejects(users.create({ email: 'ADA@example.com', name: 'Dup', passwordHash: 'y' }), {
      code: '23505',
    });
  });
});

describe('ResourceRepository', () => {
  const repo = () => new ResourceRepository(pool);

  test('create, get, replace, patch and delete map rows to camelCase and bump version', async () => {
    const created = await repo().create({ name: 'a', type: 't', data: { x: 1 }, ownerId: userId });
    assert.equal(created.version, 1);
    assert.deepEqual(
      { name: created.name, type: created.type, data: created.data, ownerId: created.ownerId },
      { name: 'a', type: 't', data: { x: 1 }, ownerId: userId },
    );
    assert.equal(created.createdAt, created.updatedAt);
    assert.deepEqual(await repo().get(created.id), created);

    const replaced = await repo().replace(created.id, { name: 'b', type: 'u' });
    assert.equal(replaced?.version, 2);
    assert.deepEqual(replaced?.data, {}, 'a full replace without data empties it');
    assert.ok((replaced?.updatedAt ?? '') > created.updatedAt);

    const patched = await repo().patch(created.id, { data: { y: [1, 2] } });
    assert.equal(patched?.version, 3);
    assert.equal(patched?.name, 'b', 'patch keeps fields it was not given');
    assert.deepEqual(patched?.data, { y: [1, 2] });

    assert.equal(await repo().delete(created.id), true);
    assert.equal(await repo().delete(created.id), false);
    assert.equal(await repo().get(created.id), null);
    assert.equal(await repo().replace(created.id, { name: 'c', type: 'v' }), null);
    assert.equal(await repo().patch(created.id, { name: 'c' }), null);
  });

  test('values are parameters, never SQL', async () => {
    const name = "x'); DROP TABLE resources; --";
    const created = await repo().create({ name, type: 't', data: { q: "'" } });
    assert.equal((await repo().get(created.id))?.name, name);
    await repo().delete(created.id);
  });

  test('cursor pagination walks every row once, in id order', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await repo().create({ name: `p${i}`, type: 'page' })).id);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await repo().list({ limit: 3, cursor });
      seen.push(...page.data.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.deepEqual(seen, ids);
    assert.equal(pages, 3);
    const exact = await repo().list({ limit: 7 });
    assert.equal(exact.nextCursor, null, 'no cursor when the page holds the last row');
  });

  test('invalid cursors are VALIDATION_FAILED', async () => {
    for (const bad of [
      '???',
      'abc',
      Buffer.from('r:0').toString('base64url'),
      encodeResourceCursor(2 ** 33),
    ]) {
      await assert.rejects(repo().list({ limit: 5, cursor: bad }), (err: unknown) => {
        assert.ok(err instanceof FloodgateError);
        assert.equal(err.code, 'VALIDATION_FAILED');
        return true;
      });
    }
    assert.equal(decodeResourceCursor(encodeResourceCursor(42)), 42);
  });
});

describe('SessionRepository', () => {
  const sessions = () => new SessionRepository(pool);

  test('create returns a well-formed token whose hash finds the session with its user', async () => {
    const s = await sessions().create(userId, 60);
    assert.equal(isWellFormedSessionToken(s.token), true);
    assert.equal(s.tokenHash, hashSessionToken(s.token));
    const found = await sessions().findActive(s.tokenHash);
    assert.deepEqual(
      { userId: found?.userId, email: found?.email, role: found?.role, tier: found?.tier },
      { userId, email: 'Ada@Example.com', role: 'user', tier: 'pro' },
    );
    const stored = await pool.query('SELECT 1 FROM sessions WHERE token_hash = $1', [s.token]);
    assert.equal(stored.rowCount, 0, 'the plain token is never stored');
  });

  test('revoke makes the session inactive, once', async () => {
    const s = await sessions().create(userId, 60);
    assert.equal(await sessions().revoke(s.tokenHash), true);
    assert.equal(await sessions().revoke(s.tokenHash), false);
    assert.equal(await sessions().findActive(s.tokenHash), null);
  });

  test('expired sessions are inactive and purged', async () => {
    const s = await sessions().create(userId, 60);
    await pool.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1", [
      s.tokenHash,
    ]);
    assert.equal(await sessions().findActive(s.tokenHash), null);
    assert.ok((await sessions().purgeExpired()) >= 1);
    const left = await pool.query('SELECT 1 FROM sessions WHERE token_hash = $1', [s.tokenHash]);
    assert.equal(left.rowCount, 0);
  });
});
