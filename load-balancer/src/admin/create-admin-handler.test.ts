import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BackendAnswer,
  BackendPage,
  CircuitBreakerAnswer,
  CircuitBreakerPage,
  decodeCursor,
  LbStatusAnswer,
} from '@floodgate/shared/admin-api';
import { call } from '@floodgate/shared/testing';
import { type EchoBody, startBackend, type TestBackend } from '../test-support/start-backend.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../test-support/start-test-load-balancer.js';

interface Envelope {
  error: { code: string; message: string; requestId: string; details?: { issues: { path: string }[] } };
}

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

describe('admin API /lb/admin/*', { timeout: 20_000 }, () => {
  let backends: TestBackend[];
  let lb: TestLoadBalancer;
  before(async () => {
    backends = await Promise.all(['A', 'B'].map((id) => startBackend(id)));
    lb = await startTestLoadBalancer(backends.map((b) => b.url));
  });
  after(async () => {
    await lb.close();
    await Promise.all(backends.map((b) => b.close()));
  });
  const admin = (path: string, options: Parameters<typeof call>[1] = {}) =>
    call(`${lb.url}/lb/admin${path}`, options);

  it('lists backends with their state and per-backend counters, a page at a time', async () => {
    const res = await admin('/backends');
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = BackendPage.parse(res.json());
    assert.equal(body.nextCursor, null);
    assert.deepEqual(
      body.data.map((b) => [b.id, b.url, b.weight, b.healthy, b.circuitState, b.draining, b.available]),
      [
        ['api-1', backends[0]?.url, 1, true, 'closed', false, true],
        ['api-2', backends[1]?.url, 1, true, 'closed', false, true],
      ],
    );
    assert.equal(BackendAnswer.parse((await admin('/backends/api-2')).json()).data.url, backends[1]?.url);
    assert.equal((await admin('/backends/api-9')).json<Envelope>().error.code, 'NOT_FOUND');
    const first = BackendPage.parse((await admin('/backends?limit=1')).json());
    assert.deepEqual(
      first.data.map((b) => b.id),
      ['api-1'],
    );
    assert.equal(decodeCursor(first.nextCursor as string), 1);
    const second = BackendPage.parse((await admin(`/backends?limit=1&cursor=${first.nextCursor}`)).json());
    assert.deepEqual([second.data.map((b) => b.id), second.nextCursor], [['api-2'], null]);
    for (const query of ['limit=0', 'limit=x', 'cursor=nope', 'other=1']) {
      const bad = await admin(`/backends?${query}`);
      assert.equal(bad.status, 400, query);
      assert.match(bad.json<Envelope>().error.message, /^Invalid query: /);
    }
  });

  it('drains a backend: its in-flight request completes, no new request reaches it; enable brings it back', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const nextArrival = () =>
      new Promise<void>((r) => {
        arrived = r;
      });
    let heldArrived = nextArrival();
    const slow = await startBackend('slow', (_req, res) => {
      release = () => res.end('done');
      arrived();
    });
    const other = await startBackend('other');
    const lb2 = await startTestLoadBalancer([slow.url, other.url]);
    try {
      const inFlight = call(`${lb2.url}/long`);
      await heldArrived;
      const drained = await call(`${lb2.url}/lb/admin/backends/api-1/drain`, { method: 'POST' });
      assert.equal(drained.status, 200);
      const state = BackendAnswer.parse(drained.json()).data;
      assert.deepEqual([state.draining, state.available, state.inFlight], [true, false, 1]);
      for (let i = 0; i < 6; i++) assert.equal((await call(`${lb2.url}/n`)).json<EchoBody>().id, 'other');
      assert.equal(slow.hits, 1);
      release();
      const done = await inFlight;
      assert.equal(done.status, 200);
      assert.equal(done.body.toString(), 'done');
      const enabled = await call(`${lb2.url}/lb/admin/backends/api-1/enable`, { method: 'POST' });
      assert.equal(BackendAnswer.parse(enabled.json()).data.available, true);
      heldArrived = nextArrival();
      const again = [call(`${lb2.url}/x`), call(`${lb2.url}/y`)];
      await heldArrived;
      assert.equal(slow.hits, 2, 'takes requests again');
      release();
      assert.deepEqual(
        (await Promise.all(again)).map((r) => r.status),
        [200, 200],
      );
    } finally {
      await lb2.close();
      await Promise.all([slow.close(), other.close()]);
    }
  });

  it('adds a backend at runtime (201), refuses a duplicate (409), removes it (out of rotation at once)', async () => {
    const extra = await startBackend('extra');
    try {
      const added = await admin('/backends', {
        method: 'POST',
        ...json({ url: `${extra.url}/`, weight: 2 }),
      });
      assert.equal(added.status, 201);
      const backend = BackendAnswer.parse(added.json()).data;
      assert.deepEqual(
        [backend.id, backend.url, backend.weight, backend.available],
        ['api-3', extra.url, 2, true],
      );
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) ids.add((await call(`${lb.url}/spread`)).json<EchoBody>().id);
      assert.deepEqual([...ids].sort(), ['A', 'B', 'extra']);

      const duplicate = await admin('/backends', { method: 'POST', ...json({ url: extra.url }) });
      assert.equal(duplicate.status, 409);
      assert.equal(duplicate.json<Envelope>().error.code, 'CONFLICT');

      const removed = await admin('/backends/api-3', { method: 'DELETE' });
      assert.equal(removed.status, 200);
      assert.equal(BackendAnswer.parse(removed.json()).data.id, 'api-3');
      const hits = extra.hits;
      for (let i = 0; i < 6; i++) await call(`${lb.url}/after-remove`);
      assert.equal(extra.hits, hits, 'a removed backend gets nothing');
      assert.deepEqual(
        BackendPage.parse((await admin('/backends')).json()).data.map((b) => b.id),
        ['api-1', 'api-2'],
      );
      assert.equal((await admin('/backends/api-3', { method: 'DELETE' })).status, 404);
    } finally {
      await extra.close();
    }
  });

  it('removes a backend with a request in flight: the request completes, nothing new reaches it', async () => {
    let release: () => void = () => {};
    let arrived: () => void = () => {};
    const heldArrived = new Promise<void>((r) => {
      arrived = r;
    });
    const slow = await startBackend('slow', (_req, res) => {
      release = () => res.end('finished');
      arrived();
    });
    const other = await startBackend('other');
    const lb2 = await startTestLoadBalancer([slow.url, other.url]);
    try {
      const inFlight = call(`${lb2.url}/long`);
      await heldArrived;
      const removed = await call(`${lb2.url}/lb/admin/backends/api-1`, { method: 'DELETE' });
      assert.equal(BackendAnswer.parse(removed.json()).data.inFlight, 1);
      for (let i = 0; i < 4; i++) assert.equal((await call(`${lb2.url}/n`)).json<EchoBody>().id, 'other');
      release();
      const done = await inFlight;
      assert.deepEqual([done.status, done.body.toString()], [200, 'finished']);
      assert.equal(slow.hits, 1);
    } finally {
      await lb2.close();
      await Promise.all([slow.close(), other.close()]);
    }
  });

  it('validates bodies: 415 without JSON, 400 INVALID_JSON, 400 VALIDATION_FAILED naming each field', async () => {
    const noType = await admin('/backends', { method: 'POST', body: '{"url":"http://x:1"}' });
    assert.equal(noType.status, 415);
    assert.equal(noType.json<Envelope>().error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const broken = await admin('/backends', { method: 'POST', body: '{"url":', headers: json(0).headers });
    assert.equal(broken.status, 400);
    assert.equal(broken.json<Envelope>().error.code, 'INVALID_JSON');
    for (const [body, paths] of [
      [{}, ['url']],
      [{ url: 'ftp://x:1' }, ['url']],
      [{ url: 'http://x:1/api' }, ['url']],
      [{ url: 'http://user:pw@x:1' }, ['url']],
      [{ url: 'http://x:1', weight: 0 }, ['weight']],
      [{ url: 'http://x:1', weight: 1.5 }, ['weight']],
      [{ url: 'http://x:1', extra: true }, ['extra']],
    ] as const) {
      const res = await admin('/backends', { method: 'POST', ...json(body) });
      assert.equal(res.status, 400, JSON.stringify(body));
      const error = res.json<Envelope>().error;
      assert.equal(error.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        error.details?.issues.map((i) => i.path),
        paths,
        JSON.stringify(body),
      );
    }
    assert.equal(BackendPage.parse((await admin('/backends')).json()).data.length, 2, 'nothing added');
  });

  it('answers unknown routes 404 and wrong methods 405 with the envelope and request id', async () => {
    const missing = await admin('/nope', { headers: { 'x-request-id': 'adm-1' } });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json<Envelope>().error, {
      code: 'NOT_FOUND',
      message: 'Not found',
      requestId: 'adm-1',
    });
    const wrong = await admin('/backends/api-1/drain');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.allow, 'POST');
  });

  it('forces a breaker open (immediate 503 NO_BACKEND_AVAILABLE, backend untouched), closes and resets it', async () => {
    const list = CircuitBreakerPage.parse((await admin('/circuit-breakers')).json()).data;
    assert.deepEqual(
      list.map((b) => [b.backendId, b.circuitState, b.forced, b.openedAt]),
      [
        ['api-1', 'closed', false, null],
        ['api-2', 'closed', false, null],
      ],
    );
    const hits = () => backends.reduce((n, b) => n + b.hits, 0);
    try {
      for (const id of ['api-1', 'api-2']) {
        const opened = await admin(`/circuit-breakers/${id}/open`, { method: 'POST' });
        assert.equal(opened.status, 200);
        const breaker = CircuitBreakerAnswer.parse(opened.json()).data;
        assert.deepEqual([breaker.circuitState, breaker.forced], ['open', true]);
        assert.ok(Date.now() - Date.parse(breaker.openedAt as string) < 60_000, 'openedAt is an ISO time');
      }
      const before = hits();
      const started = performance.now();
      const rejected = await call(`${lb.url}/blocked`);
      assert.ok(performance.now() - started < 500, 'immediately');
      assert.equal(rejected.status, 503);
      assert.equal(rejected.headers['retry-after'], '1');
      assert.equal(rejected.json<Envelope>().error.code, 'NO_BACKEND_AVAILABLE', 'not an upstream error');
      assert.equal(hits(), before, 'no backend was contacted');
      const status = LbStatusAnswer.parse((await call(`${lb.url}/lb/status`)).json()).data;
      assert.deepEqual(
        status.backends.map((b) => b.circuitState),
        ['open', 'open'],
      );
      const metrics = (await call(`${lb.url}/metrics`)).body.toString();
      assert.match(metrics, /^floodgate_circuit_state\{backend="api-1",state="open"[^}]*\} 1$/m);
      assert.match(metrics, /^floodgate_circuit_state\{backend="api-1",state="closed"[^}]*\} 0$/m);
      assert.match(metrics, /^floodgate_backend_up\{backend="api-1"[^}]*\} 0$/m);

      const closed = await admin('/circuit-breakers/api-1/close', { method: 'POST' });
      assert.equal(CircuitBreakerAnswer.parse(closed.json()).data.circuitState, 'closed');
      assert.equal((await call(`${lb.url}/open-again`)).json<EchoBody>().id, 'A');
      const reset = await admin('/circuit-breakers/api-2/reset', { method: 'POST' });
      assert.deepEqual(CircuitBreakerAnswer.parse(reset.json()).data.window, {
        requests: 0,
        failures: 0,
      });
      assert.equal(CircuitBreakerAnswer.parse(reset.json()).data.circuitState, 'closed');
      assert.equal((await admin('/circuit-breakers/api-7/open', { method: 'POST' })).status, 404);
    } finally {
      for (const b of lb.lb.pool.backends) b.breaker.close();
    }
  });
});

describe('admin API access', { timeout: 10_000 }, () => {
  it('requires the bearer token when LB_ADMIN_TOKEN is set (401 otherwise), from loopback too', async () => {
    const b = await startBackend('t');
    const lb = await startTestLoadBalancer([b.url], { LB_ADMIN_TOKEN: 's3cret-token' });
    try {
      const none = await call(`${lb.url}/lb/admin/backends`);
      assert.equal(none.status, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      assert.equal((none.json() as Envelope).error.code, 'UNAUTHORIZED');
      const wrong = await call(`${lb.url}/lb/admin/backends`, {
        headers: { authorization: 'Bearer s3cret-tokem' },
      });
      assert.equal(wrong.status, 401);
      const good = await call(`${lb.url}/lb/admin/backends/api-1/drain`, {
        method: 'POST',
        headers: { authorization: 'Bearer s3cret-token' },
      });
      assert.equal(good.status, 200);
      assert.doesNotMatch(JSON.stringify(lb.logLines()), /s3cret/, 'the token is never logged');
      assert.equal((await call(`${lb.url}/lb/status`)).status, 200, '/lb/status stays public');
    } finally {
      await lb.close();
      await b.close();
    }
  });

  it('answers only loopback clients without a token (403 for any other peer)', async () => {
    const b = await startBackend('t');
    const lb = await startTestLoadBalancer([b.url]);
    // A real connection that has no loopback address: over a Unix socket, into the same handler.
    const socketPath = join(tmpdir(), `fg-lb-admin-${process.pid}-${Date.now()}.sock`);
    const unix = createServer((req, res) => lb.lb.server.emit('request', req, res));
    await new Promise<void>((r) => unix.listen(socketPath, r));
    try {
      const viaUnix = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ socketPath, path: '/lb/admin/backends', agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode as number, body }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(viaUnix.status, 403);
      assert.equal((JSON.parse(viaUnix.body) as Envelope).error.code, 'FORBIDDEN');
      assert.equal((await call(`${lb.url}/lb/admin/backends`)).status, 200, 'loopback is answered');
    } finally {
      await new Promise<void>((r) => {
        unix.close(() => r());
        unix.closeAllConnections();
      });
      await lb.close();
      await b.close();
    }
  });
});
