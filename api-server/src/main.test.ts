import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@floodgate/shared/testing/index';
import { login, request } from './testing/start-test-api.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
let db: TestDatabase;
const children: ChildProcess[] = [];

before(async () => {
  db = await createTestDatabase('api_main');
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await db.drop();
});

/** Starts main.ts as its own process; resolves with the port from its "listening" log line. */
async function startMain(instanceId: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      INSTANCE_ID: instanceId,
      DATABASE_URL: db.url,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /"port":(\d+),[^\n]*api-server listening/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`main exited with ${code}: ${err}${out}`)));
  });
  return { child, port };
}

test('two mains on one empty database: both migrate, exactly one seeds, both serve; SIGTERM exits 0', async () => {
  const [a, b] = await Promise.all([startMain('api-a'), startMain('api-b')]);
  for (const [p, id] of [
    [a.port, 'api-a'],
    [b.port, 'api-b'],
  ] as const) {
    const base = `http://127.0.0.1:${p}`;
    const status = await request(base, 'GET', '/api/v1/status');
    assert.equal(status.body.instanceId, id);
    const list = await request(base, 'GET', '/api/v1/resources');
    assert.equal(list.body.data.length, 5, 'seeded once, not twice');
    const token = await login(base, 'admin@example.com', 'admin123');
    assert.equal((await request(base, 'GET', '/api/v1/me', { token })).body.user.role, 'admin');
  }
  for (const { child } of [a, b]) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  }
});
