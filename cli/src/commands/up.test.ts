import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  deleteRedisPrefix,
  getFreePort,
  TEST_REDIS_URL,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@floodgate/shared/testing/index';
import { redactUrl } from '../infra/redact-url.js';
import { probeHttp } from '../supervisor/probe-http.js';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

let db: TestDatabase;
let prefix: string;
let proc: ChildProcess | undefined;

before(async () => {
  db = await createTestDatabase('cli_up');
  prefix = uniqueRedisPrefix('cli-up');
});

after(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGKILL'); // only if the test failed half way; the supervisor's children follow it
  }
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
    proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        MAIN,
        'up',
        '--gateway-port',
        String(gateway),
        '--lb-port',
        String(lb),
        '--api-ports',
        `${api1},${api2}`,
      ],
      {
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          NODE_ENV: 'development',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += d));
    const ready = new Promise<void>((resolve, reject) => {
      createInterface({ input: proc!.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.startsWith('ready in ')) resolve();
      });
      proc!.once('exit', (code) =>
        reject(new Error(`exited early (${code}): ${stderr}\n${lines.join('\n')}`)),
      );
    });
    await ready;

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

    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.ok(lines.includes('[supervisor] all processes stopped'));
    for (const port of [gateway, lb, api1, api2]) {
      assert.equal(await probeHttp(`http://127.0.0.1:${port}/health`, 1000), null, `port ${port} is closed`);
    }
  });
});
