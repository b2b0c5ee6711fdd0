import assert from 'node:assert/strict';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Pool } from '@floodgate/shared';
import { fetchJson, getFreePort, waitUntil } from '@floodgate/shared/testing';
import { startTestApi, type TestApi } from './testing/start-test-api.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('with PostgreSQL up', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('GET /api/v1/status → ok, instance id and uptime in seconds', async () => {
    const res = await fetchJson(`${api.baseUrl}/api/v1/status`);
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.body.instanceId, 'api-test');
    assert.equal(typeof res.body.uptime, 'number');
    assert.ok(res.body.uptime >= 0 && res.body.uptime < 60);
  });

  test('x-request-id: a valid incoming id is kept, otherwise one is generated', async () => {
    const kept = await fetchJson(`${api.baseUrl}/api/v1/status`, {
      headers: { 'x-request-id': 'abc-123.x' },
    });
    assert.equal(kept.headers.get('x-request-id'), 'abc-123.x');
    const generated = await fetchJson(`${api.baseUrl}/api/v1/status`);
    assert.match(generated.headers.get('x-request-id') ?? '', UUID);
    const replaced = await fetchJson(`${api.baseUrl}/nope`, {
      headers: { 'x-request-id': 'bad id <script>' },
    });
    const id = replaced.headers.get('x-request-id') ?? '';
    assert.match(id, UUID);
    assert.equal(replaced.body.error.requestId, id, 'the envelope carries the same id');
  });

  test('unknown route → 404 NOT_FOUND; wrong method → 405 with allow; HEAD works like GET', async () => {
    const missing = await fetchJson(`${api.baseUrl}/api/v1/nothing-here`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
    const wrong = await fetchJson(`${api.baseUrl}/api/v1/resources`, { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.body.error.code, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(wrong.headers.get('allow')?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
    const head = await fetch(`${api.baseUrl}/api/v1/status`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  test('one log line per request with id, method, route template, status, ms and instance', async () => {
    const res = await fetchJson(`${api.baseUrl}/api/v1/resources/2`, {
      headers: { 'x-request-id': 'log-line-check' },
    });
    assert.equal(res.status, 200);
    const lines = api.lines().filter((l) => l.reqId === 'log-line-check');
    assert.equal(lines.length, 1);
    const line = lines[0] as Record<string, unknown>;
    assert.deepEqual(
      { method: line.method, route: line.route, status: line.status, instanceId: line.instanceId },
      { method: 'GET', route: '/api/v1/resources/:id', status: 200, instanceId: 'api-test' },
    );
    assert.equal(typeof line.ms, 'number');
  });

  test('/metrics labels requests by route template, never by raw path', async () => {
    await fetchJson(`${api.baseUrl}/api/v1/resources/3`);
    await fetchJson(`${api.baseUrl}/api/v1/resources/4`);
    const res = await fetch(`${api.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.match(
      text,
      /http_requests_total\{route="\/api\/v1\/resources\/:id",method="GET",status_class="2xx"/,
    );
    assert.equal(text.includes('/api/v1/resources/3'), false);
    assert.match(text, /floodgate_external_circuit_state\{state="closed",component="api-server"\} 1/);
    assert.match(text, /process_cpu_seconds_total/);
  });

  test('health: live, ready and the summary report PostgreSQL up', async () => {
    const live = await fetchJson(`${api.baseUrl}/health/live`);
    assert.equal(live.status, 200);
    const ready = await fetchJson(`${api.baseUrl}/health/ready`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.checks, { postgres: 'up' });
    const health = await fetchJson(`${api.baseUrl}/health`);
    assert.deepEqual(
      { status: health.body.status, instanceId: health.body.instanceId, checks: health.body.checks },
      { status: 'ok', instanceId: 'api-test', checks: { postgres: 'up' } },
    );
  });

  test('malformed HTTP and a client vanishing mid-body do not hurt the server', async () => {
    const { port } = new URL(api.baseUrl);
    const garbage = await new Promise<string>((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
      let out = '';
      s.on('data', (d) => {
        out += d;
      });
      s.on('close', () => resolve(out));
      s.on('error', reject);
    });
    assert.match(garbage, /^HTTP\/1\.1 400/);

    const arrived = new Promise((resolve) => api.app.server.once('request', resolve));
    const aborted = connect(Number(port), '127.0.0.1');
    aborted.write(
      'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n' +
        'x-request-id: vanishing\r\ncontent-length: 100\r\n\r\n{"email":',
    );
    await arrived;
    aborted.destroy();
    await waitUntil('the vanished request logged', () => api.lines().some((l) => l.reqId === 'vanishing'), {
      timeoutMs: 2000,
      intervalMs: 5,
    });
    const vanishing = api.lines().filter((l) => l.reqId === 'vanishing');
    assert.deepEqual(
      vanishing.map((l) => [l.msg, l.status]),
      [['request', 499]],
      'a client going away is logged as such, not as a server or database error',
    );
    assert.equal((await fetchJson(`${api.baseUrl}/api/v1/status`)).status, 200);
  });
});

describe('with PostgreSQL down', () => {
  let api: TestApi;
  before(async () => {
    const deadPort = await getFreePort();
    api = await startTestApi({
      env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/x` },
      database: false,
    });
  });
  after(() => api.close());

  test('ready is 503 DEPENDENCY_UNAVAILABLE, live stays 200, status needs no database', async () => {
    const ready = await fetchJson(`${api.baseUrl}/health/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.body.error.code, 'DEPENDENCY_UNAVAILABLE');
    assert.equal(ready.body.error.requestId, ready.headers.get('x-request-id'));
    assert.equal((await fetchJson(`${api.baseUrl}/health/live`)).status, 200);
    assert.equal((await fetchJson(`${api.baseUrl}/health`)).body.status, 'degraded');
    assert.equal((await fetchJson(`${api.baseUrl}/api/v1/status`)).status, 200);
  });

  test('database-backed routes answer 503 DEPENDENCY_UNAVAILABLE, not 500', async () => {
    const res = await fetchJson(`${api.baseUrl}/api/v1/resources`);
    assert.equal(res.status, 503);
    assert.equal(res.body.error.code, 'DEPENDENCY_UNAVAILABLE');
  });
});

test('ready answers 503 within about a second when PostgreSQL hangs', async () => {
  const sockets = new Set<Socket>();
  const frozen = createNetServer((s) => {
    sockets.add(s); // accept and never answer, like a SIGSTOPped server
  });
  await new Promise<void>((resolve) => frozen.listen(0, '127.0.0.1', resolve));
  const { port } = frozen.address() as { port: number };
  const api = await startTestApi({
    database: false,
    env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`, PG_CONNECT_TIMEOUT_MS: '10000' },
  });
  try {
    const started = performance.now();
    const ready = await fetchJson(`${api.baseUrl}/health/ready`);
    const ms = performance.now() - started;
    assert.equal(ready.status, 503);
    assert.ok(ms >= 900 && ms < 2500, `took ${ms} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    frozen.close();
    await api.close();
  }
});

test('an unexpected error is a 500 envelope without internals and one error log line', async () => {
  const failing = {
    query: async () => {
      throw new TypeError('boom: internal detail');
    },
    end: async () => {},
  } as unknown as Pool;
  const api = await startTestApi({ deps: { pool: failing } });
  try {
    const res = await fetchJson(`${api.baseUrl}/api/v1/resources/1`, {
      headers: { 'x-request-id': 'boom-1' },
    });
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, {
      error: { code: 'INTERNAL', message: 'Internal server error', requestId: 'boom-1' },
    });
    const errors = api.lines().filter((l) => l.level === 50);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.reqId, 'boom-1');
    assert.equal(errors[0]?.route, '/api/v1/resources/:id');
    assert.equal((await fetchJson(`${api.baseUrl}/api/v1/status`)).status, 200, 'still serving');
  } finally {
    await api.close();
  }
});
