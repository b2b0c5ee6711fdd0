import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTestDatabase, fetchJson, login, type TestDatabase } from '@floodgate/shared/testing';
import { type ApiProcess, startApiProcess } from './testing/start-api-process.js';

let db: TestDatabase;
const children: ApiProcess[] = [];

before(async () => {
  db = await createTestDatabase('api_main');
});
after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  await db.drop();
});

/** main.ts as its own process in development mode (migrations and the dev seed on by default). */
async function startMain(instanceId: string): Promise<ApiProcess> {
  const child = await startApiProcess(instanceId, { NODE_ENV: 'development', DATABASE_URL: db.url });
  children.push(child);
  return child;
}

test('two mains on one empty database: both migrate, exactly one seeds, both serve; SIGTERM exits 0', async () => {
  const [a, b] = await Promise.all([startMain('api-a'), startMain('api-b')]);
  for (const [base, id] of [
    [a.baseUrl, 'api-a'],
    [b.baseUrl, 'api-b'],
  ] as const) {
    const status = await fetchJson(`${base}/api/v1/status`);
    assert.equal(status.body.instanceId, id);
    const list = await fetchJson(`${base}/api/v1/resources`);
    assert.equal(list.body.data.length, 5, 'seeded once, not twice');
    const token = await login(base, 'admin@example.com', 'admin123');
    assert.equal((await fetchJson(`${base}/api/v1/me`, { token })).body.user.role, 'admin');
  }
  for (const child of [a, b]) {
    const { code } = await child.stop();
    assert.equal(code, 0);
  }
});
