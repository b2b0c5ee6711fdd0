import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  deleteRedisPrefix,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { registerFoundationFlows } from './helpers/foundation-flows.js';
import { call } from './helpers/http.js';
import { type Stack, startStack } from './helpers/start-stack.js';

describe('floodgate up with real PostgreSQL and Redis', { timeout: 180_000 }, () => {
  let stack: Stack;
  let db: TestDatabase;
  const redisPrefix = uniqueRedisPrefix('e2e');

  before(async () => {
    db = await createTestDatabase('e2e');
    stack = await startStack({
      env: { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: redisPrefix },
    });
  });

  after(async () => {
    if (stack) assert.equal(await stack.stop(), 0, 'supervisor exits 0 on SIGTERM');
    if (db) await db.drop();
    await deleteRedisPrefix(redisPrefix);
  });

  it('says which PostgreSQL and Redis it uses, the URLs and the dev credentials first', () => {
    const out = stack.output();
    const firstChild = out.search(/^\[(api|gateway|lb|load)/m);
    const banner = firstChild === -1 ? out : out.slice(0, firstChild);
    assert.match(banner, /PostgreSQL.*configured/i);
    assert.match(banner, /Redis.*configured/i);
    assert.ok(
      banner.includes(stack.gatewayUrl.replace('127.0.0.1', 'localhost')) ||
        banner.includes(stack.gatewayUrl),
    );
    assert.match(banner, /admin@example\.com/);
    assert.ok(!banner.includes(db.url.split('@')[0]?.split(':')[2] ?? '\u0000'), 'no password printed');
  });

  registerFoundationFlows(() => stack);

  it('restarts a killed api-server with backoff and logs the restart', async () => {
    const children = execFileSync('pgrep', ['-P', String(stack.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    // Find the child serving the first api port.
    const port = new URL(stack.apiUrls[0] as string).port;
    const victim = children.find((pid) => {
      const env = execFileSync('cat', [`/proc/${pid}/environ`], { encoding: 'utf8' });
      return env.split('\u0000').includes(`PORT=${port}`);
    });
    assert.ok(victim, 'found the api-server child process');
    process.kill(victim, 'SIGKILL');
    await stack.waitForOutput(/restarting in \d+ ?ms/i, 15_000);
    // It comes back and serves again.
    const deadline = Date.now() + 30_000;
    let ok = false;
    while (Date.now() < deadline && !ok) {
      ok = await call(`${stack.apiUrls[0]}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ok) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(ok, 'restarted api-server is ready again');
  });
});
