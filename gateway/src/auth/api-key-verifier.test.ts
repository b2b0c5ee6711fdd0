import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ActiveApiKey, createApiKeyHasher, generateApiKey } from '@floodgate/database';
import { FakeClock, FloodgateError, LocalEventBus } from '@floodgate/shared';
import { type ApiKeyLookup, ApiKeyVerifier } from './api-key-verifier.js';

const SECRET = 'verifier-unit-secret-of-32-characters!!';
const hash = createApiKeyHasher(SECRET);

/** Keys in memory; each lookup waits for the test to release it, so races can be staged exactly. */
class StagedLookup implements ApiKeyLookup {
  readonly rows = new Map<string, ActiveApiKey>();
  readonly touched: number[][] = [];
  lookups = 0;
  failing = false;
  #gates: (() => void)[] = [];
  hold = false;

  add(tier: ActiveApiKey['tier'], id: number): string {
    const { key, prefix } = generateApiKey();
    this.rows.set(hash(key), { id, prefix, keyHash: hash(key), consumerId: 100 + id, name: `c${id}`, tier });
    return key;
  }
  async findActiveByHash(keyHash: string): Promise<ActiveApiKey | null> {
    this.lookups++;
    if (this.hold) await new Promise<void>((r) => this.#gates.push(r));
    if (this.failing) throw new Error('connection refused');
    return this.rows.get(keyHash) ?? null;
  }
  release(): void {
    for (const g of this.#gates.splice(0)) g();
  }
  async touchLastUsed(ids: readonly number[]): Promise<void> {
    this.touched.push([...ids].sort());
  }
}

function setup() {
  const lookup = new StagedLookup();
  const clock = new FakeClock();
  const verifier = new ApiKeyVerifier(lookup, {
    secret: SECRET,
    cacheSize: 100,
    cacheTtlMs: 60_000,
    lastUsedFlushMs: 3_600_000,
    clock,
  });
  return { lookup, clock, verifier };
}

describe('ApiKeyVerifier', () => {
  it('refuses malformed keys without I/O; one lookup per key, then the cache (synchronous)', async () => {
    const { lookup, verifier } = setup();
    assert.equal(verifier.verify('nope'), null);
    assert.equal(lookup.lookups, 0);
    const key = lookup.add('pro', 1);
    const [a, b] = await Promise.all([verifier.verify(key), verifier.verify(key)]);
    assert.equal(lookup.lookups, 1, 'concurrent misses share one query');
    assert.equal(a, b);
    assert.equal(a?.identity.tier, 'pro');
    assert.equal(a?.identity.subject, 'c:101');
    const hit = verifier.verify(key);
    assert.ok(!(hit instanceof Promise) && hit !== null, 'a cache hit is synchronous');
    await verifier.close();
  });

  it('re-checks PostgreSQL after the cache TTL; unknown keys are remembered briefly', async () => {
    const { lookup, clock, verifier } = setup();
    const key = lookup.add('free', 2);
    await verifier.verify(key);
    clock.advance(60_001);
    assert.ok(verifier.verify(key) instanceof Promise, 'expired: looked up again');
    const unknown = generateApiKey().key;
    assert.equal(await verifier.verify(unknown), null);
    assert.equal(verifier.verify(unknown), null, 'negative cache: no query');
    await verifier.close();
  });

  it('a revocation that arrives while the lookup runs wins; revocations arrive on the bus', async () => {
    const { lookup, verifier } = setup();
    const bus = new LocalEventBus();
    await verifier.subscribe(bus);
    const key = lookup.add('enterprise', 3);
    lookup.hold = true;
    const pending = verifier.verify(key);
    await new Promise((r) => setImmediate(r));
    await bus.publish('api-keys:revoked', '3');
    lookup.release();
    assert.equal(await pending, null, 'revoked mid-lookup: refused, not cached');
    lookup.hold = false;
    const other = lookup.add('pro', 4);
    assert.ok(await verifier.verify(other));
    await bus.publish('api-keys:revoked', '4');
    assert.equal(verifier.verify(other), null, 'cached key revoked at once');
    await bus.publish('api-keys:revoked', 'not-an-id');
    await verifier.close();
  });

  it('a tier change drops the cached identity so the next request reloads it', async () => {
    const { lookup, verifier } = setup();
    const bus = new LocalEventBus();
    await verifier.subscribe(bus);
    const key = lookup.add('free', 5);
    assert.equal((await verifier.verify(key))?.identity.tier, 'free');
    (lookup.rows.get(hash(key)) as { tier: string }).tier = 'enterprise';
    await bus.publish('api-keys:changed', '5');
    assert.equal((await verifier.verify(key))?.identity.tier, 'enterprise');
    await verifier.close();
  });

  it('PostgreSQL down on a miss → DEPENDENCY_UNAVAILABLE; use is recorded in one batch', async () => {
    const { lookup, verifier } = setup();
    const a = lookup.add('free', 6);
    const b = lookup.add('free', 7);
    await verifier.verify(a);
    await verifier.verify(b);
    verifier.verify(a);
    await verifier.flushLastUsed();
    assert.deepEqual(lookup.touched, [[6, 7]]);
    await verifier.flushLastUsed();
    assert.equal(lookup.touched.length, 1, 'nothing new to write');
    lookup.failing = true;
    await assert.rejects(
      async () => verifier.verify(lookup.add('free', 8)),
      (err: unknown) => err instanceof FloodgateError && err.code === 'DEPENDENCY_UNAVAILABLE',
    );
    await verifier.close();
  });
});
