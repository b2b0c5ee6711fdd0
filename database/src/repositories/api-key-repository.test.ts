import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createPgPool, DEV_API_KEY_SECRET, FloodgateError, type Pool } from '@floodgate/shared';
import { createCaptureLogger, createTestDatabase, type TestDatabase } from '@floodgate/shared/testing';
import { apiKeyHashesEqual, apiKeyPrefix, createApiKeyHasher, generateApiKey } from '../api-key.js';
import { runMigrations } from '../migrate.js';
import { DEV_DEMO_KEYS, seedDevApiKeys } from '../seed-dev-data.js';
import { ApiKeyRepository } from './api-key-repository.js';

const SECRET = 'test-secret-of-at-least-thirty-two-characters';
const hash = createApiKeyHasher(SECRET);
const { logger } = createCaptureLogger('api-key-repo-test');
let db: TestDatabase;
let pool: Pool;
let keys: ApiKeyRepository;

before(async () => {
  db = await createTestDatabase('api_keys');
  pool = createPgPool({ url: db.url, poolMax: 3, connectTimeoutMs: 2000, statementTimeoutMs: 5000 }, logger, {
    applicationName: 'api-key-repo-test',
  });
  await runMigrations(pool, logger);
  keys = new ApiKeyRepository(pool);
});
after(async () => {
  await pool.end();
  await db.drop();
});

describe('API key format and hashing', () => {
  test('generated keys are fg_<prefix>_<secret>, unique, and parse back to their prefix', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.match(a.key, /^fg_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.key, b.key);
    assert.equal(apiKeyPrefix(a.key), a.prefix);
    for (const bad of [
      '',
      'fg_',
      'fg_abc_short',
      `xx_${a.prefix}_${'a'.repeat(43)}`,
      `${a.key}!`,
      `fg_UPPER123_${'a'.repeat(43)}`,
    ]) {
      assert.equal(apiKeyPrefix(bad), null, bad);
    }
  });

  test('the hash is HMAC-SHA-256 with the server secret; comparison is exact', () => {
    const { key } = generateApiKey();
    const expected = createHmac('sha256', SECRET).update(key).digest('hex');
    assert.equal(hash(key), expected);
    assert.notEqual(createApiKeyHasher(`${SECRET}x`)(key), expected, 'another secret gives another hash');
    assert.equal(apiKeyHashesEqual(expected, hash(key)), true);
    assert.equal(apiKeyHashesEqual(expected, `${expected.slice(0, 63)}0`), expected.endsWith('0'));
    assert.equal(apiKeyHashesEqual(expected, expected.slice(1)), false);
  });
});

describe('ApiKeyRepository', () => {
  test('create returns the plain key once and stores only its hash', async () => {
    const created = await keys.create({ name: 'acme', tier: 'pro' }, hash);
    assert.equal(apiKeyPrefix(created.key), created.prefix);
    assert.equal(created.tier, 'pro');
    assert.equal(created.name, 'acme');
    assert.equal(created.revokedAt, null);
    const { rows } = await pool.query('SELECT * FROM api_keys WHERE id = $1', [created.id]);
    const stored = JSON.stringify(rows);
    assert.ok(!stored.includes(created.key.slice(3 + created.prefix.length + 1)), 'no secret stored');
    assert.equal(rows[0].key_hash, hash(created.key));

    const active = await keys.findActiveByHash(hash(created.key));
    assert.deepEqual(active, {
      id: created.id,
      prefix: created.prefix,
      keyHash: hash(created.key),
      consumerId: created.consumerId,
      name: 'acme',
      tier: 'pro',
    });
    assert.equal(await keys.findActiveByHash(hash(generateApiKey().key)), null);
  });

  test('a second key joins the same consumer; another tier for it is a CONFLICT', async () => {
    const first = await keys.create({ name: 'globex', tier: 'free' }, hash);
    const second = await keys.create({ name: 'globex', tier: 'free' }, hash);
    assert.equal(second.consumerId, first.consumerId);
    assert.notEqual(second.id, first.id);
    await assert.rejects(
      keys.create({ name: 'globex', tier: 'enterprise' }, hash),
      (err: unknown) => err instanceof FloodgateError && err.code === 'CONFLICT',
    );
  });

  test('list never exposes a hash or secret; revoke is idempotent and ends lookups', async () => {
    const created = await keys.create({ name: 'initech', tier: 'free' }, hash);
    const { keys: listed } = await keys.list();
    const mine = listed.find((k) => k.id === created.id);
    assert.ok(mine);
    assert.deepEqual(Object.keys(mine).sort(), [
      'consumerId',
      'createdAt',
      'id',
      'lastUsedAt',
      'name',
      'prefix',
      'revokedAt',
      'tier',
    ]);
    assert.ok(!JSON.stringify(listed).includes(hash(created.key)));

    const revoked = await keys.revoke(created.id);
    assert.ok(revoked?.revokedAt);
    assert.equal(await keys.findActiveByHash(hash(created.key)), null);
    const again = await keys.revoke(created.id);
    assert.equal(again?.revokedAt, revoked.revokedAt, 'the first revocation time is kept');
    assert.equal(await keys.revoke(987_654), null);
    assert.equal(await keys.revoke(2 ** 40), null);
  });

  test('updateTier changes the consumer of every key and names them all', async () => {
    const a = await keys.create({ name: 'umbrella', tier: 'free' }, hash);
    const b = await keys.create({ name: 'umbrella', tier: 'free' }, hash);
    const updated = await keys.updateTier(b.id, 'enterprise');
    assert.equal(updated?.key.tier, 'enterprise');
    assert.deepEqual(updated?.consumerKeyIds, [a.id, b.id]);
    assert.equal((await keys.findActiveByHash(hash(a.key)))?.tier, 'enterprise');
    assert.equal(await keys.updateTier(987_654, 'pro'), null);
  });

  test('touchLastUsed updates a whole batch in one statement', async () => {
    const a = await keys.create({ name: 'hooli', tier: 'free' }, hash);
    const b = await keys.create({ name: 'hooli', tier: 'free' }, hash);
    assert.equal((await keys.findById(a.id))?.lastUsedAt, null);
    await keys.touchLastUsed([a.id, b.id]);
    assert.ok((await keys.findById(a.id))?.lastUsedAt);
    assert.ok((await keys.findById(b.id))?.lastUsedAt);
    await keys.touchLastUsed([]);
  });

  test('the dev demo keys are seeded once per tier, verifiable with the secret they were hashed with', async () => {
    assert.deepEqual(
      DEV_DEMO_KEYS.map((k) => k.tier),
      ['anonymous', 'free', 'pro', 'enterprise'],
    );
    assert.equal(await seedDevApiKeys(pool), 4);
    assert.equal(await seedDevApiKeys(pool), 0, 'idempotent');
    const devHash = createApiKeyHasher(DEV_API_KEY_SECRET);
    for (const demo of DEV_DEMO_KEYS) {
      assert.equal(apiKeyPrefix(demo.key), demo.prefix);
      const found = await keys.findActiveByHash(devHash(demo.key));
      assert.equal(found?.tier, demo.tier, demo.tier);
      assert.equal(await keys.findActiveByHash(hash(demo.key)), null, 'another secret does not match');
    }
  });
});
