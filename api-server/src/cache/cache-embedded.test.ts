import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EmbeddedPostgresProcess, startEmbeddedPostgresProcess } from '@floodgate/database/testing';
import { fetchJson, login, waitUntil } from '@floodgate/shared/testing';
import { cacheStats, readYourWritesRounds } from '../testing/cache-cluster.js';
import { type ApiProcess, startApiProcess } from '../testing/start-api-process.js';

// Embedded mode: three api-server processes on PGlite served over the wire, no Redis. PGlite
// delivers NOTIFY only to the sending connection, so there is no bus: every instance must notice
// that and bypass its caches rather than serve what another instance has changed.

let pglite: EmbeddedPostgresProcess;
let apis: ApiProcess[] = [];

before(async () => {
  pglite = await startEmbeddedPostgresProcess();
  const env = { DATABASE_URL: pglite.url, PG_POOL_MAX: '4' };
  // One instance migrates and seeds first: PGlite's advisory locks do not exclude other connections.
  const first = await startApiProcess('emb-a', env);
  const rest = await Promise.all(['emb-b', 'emb-c'].map((id) => startApiProcess(id, env)));
  apis = [first, ...rest];
});

after(async () => {
  await Promise.all(apis.map((a) => a.stop()));
  await pglite?.stop();
});

test('embedded (PGlite, no Redis): 500 updates through A read back through B and C → no stale read', async () => {
  const [a, b, c] = apis.map((x) => x.baseUrl) as [string, string, string];
  for (const u of [a, b, c]) {
    await waitUntil(
      'the bus probe finished',
      async () => (await cacheStats(u)).coherence.bus !== 'connecting',
    );
    const s = await cacheStats(u);
    assert.equal(s.coherence.bus, 'unsupported', 'the instance saw that PGlite has no bus');
    assert.equal(s.coherence.leaseValid, false);
  }
  const token = await login(a);
  const created = await fetchJson(`${a}/api/v1/resources`, {
    method: 'POST',
    token,
    body: { name: 'e', type: 't' },
  });
  assert.equal(created.status, 201);
  const r = await readYourWritesRounds({
    writer: a,
    readers: [b, c],
    token,
    id: created.body.id,
    rounds: 500,
    label: 'emb',
    // Caches are bypassed here, so reads before the writes would exercise nothing.
    warm: false,
  });
  assert.deepEqual(r.stale, []);
  assert.deepEqual(Object.keys(r.after), ['MISS'], 'caches bypassed, every read from the database');
  const writes = (await cacheStats(a)).writeWaits;
  assert.ok(
    writes.none >= 500,
    `writes did not wait for a bus that does not exist: ${JSON.stringify(writes)}`,
  );
});
