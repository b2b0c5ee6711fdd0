import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTestDatabase,
  deleteRedisPrefix,
  getFreePort,
  startNodeProcess,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestProcess,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing';
import { redactUrl } from '../infra/redact-url.js';
import { probeHttp } from '../supervisor/probe-http.js';

let db: TestDatabase;
let prefix: string;
let proc: TestProcess | undefined;

before(async () => {
  db = await createTestDatabase('cli_up');
  prefix = uniqueRedisPrefix('cli-up');
});

after(async () => {
  await proc?.kill(); // only matters if the test failed half way; the supervisor's children follow it
  await db.drop();
  await deleteRedisPrefix(prefix);
});

describe('floodgate up', () => {
  it('prints where everything is first, becomes ready, serves through the gateway and stops on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    const [gateway, lb, api1, api2] = await Promise.all([
      getFreePort(),
      getFreePort(),
      getFreePort(),
      getFreePort(),
    ]);
    proc = startNodeProcess('cli/src/main.ts', {
      args: [
        'up',
        '--gateway-port',
        String(gateway),
        '--lb-port',
        String(lb),
        '--api-ports',
        `${api1},${api2}`,
      ],
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
      },
    });
    await proc.waitForOutput(/^ready in /m, 45_000);
    const lines = proc.output().split('\n');

    assert.equal(lines[0], `PostgreSQL:    configured: ${redactUrl(db.url)} (from DATABASE_URL)`);
    assert.equal(
      lines[1],
      `Redis:         configured: ${redactUrl(TEST_REDIS_URL)} (from REDIS_URL/REDIS_HOST)`,
    );
    const firstChildLine = lines.findIndex((l) => /^\[(api-\d|load-balancer|gateway)\]/.test(l));
    const loginsLine = lines.findIndex((l) => l.startsWith('Dev logins:'));
    assert.ok(loginsLine > 0 && (firstChildLine === -1 || loginsLine < firstChildLine), lines.join('\n'));
    assert.match(lines[loginsLine] ?? '', /admin@example\.com \/ admin123.*user@example\.com \/ user123/);
    assert.ok(lines.includes(`API servers:   http://localhost:${api1}, http://localhost:${api2}`));
    assert.ok(lines.some((l) => /^\[supervisor\] migrations: applied /.test(l)));
    assert.ok(lines.includes('[supervisor] dev seed: inserted dev users and sample data'));

    // A demo key as printed works through the gateway, with its tier's limit.
    const proKey = lines
      .find((l) => /^ {2}pro +fg_/.test(l))
      ?.trim()
      .split(/ +/)[1];
    assert.ok(proKey, lines.join('\n'));
    const res = await fetch(`http://127.0.0.1:${gateway}/api/v1/status`, {
      headers: { 'x-api-key': proKey },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('ratelimit-policy') ?? '', /"pro"/);
    const body = (await res.json()) as { instanceId?: string };
    assert.ok(body.instanceId === 'api-1' || body.instanceId === 'api-2', JSON.stringify(body));

    const { code } = await proc.stop(10_000);
    assert.equal(code, 0, proc.output());
    assert.ok(proc.output().split('\n').includes('[supervisor] all processes stopped'));
    for (const port of [gateway, lb, api1, api2]) {
      assert.equal(await probeHttp(`http://127.0.0.1:${port}/health`, 1000), null, `port ${port} is closed`);
    }
  });
});
