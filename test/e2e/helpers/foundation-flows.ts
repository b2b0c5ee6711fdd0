import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ErrorEnvelope } from '@floodgate/shared';
import type { DashboardAnswer, LbStatusAnswer } from '@floodgate/shared/admin-api';
import { login } from '@floodgate/shared/testing';
import { call } from './http.js';
import type { Stack } from './start-stack.js';

interface Resource {
  id: number;
  name: string;
  type: string;
  data: Record<string, unknown>;
  version: number;
}

function assertEnvelope(
  res: { status: number; body: unknown; headers: Headers },
  status: number,
  code: string,
) {
  assert.equal(
    res.status,
    status,
    `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`,
  );
  const body = res.body as ErrorEnvelope;
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.equal(
    body.error.requestId,
    res.headers.get('x-request-id'),
    'envelope carries the echoed request id',
  );
  assert.ok(!JSON.stringify(body).includes('    at '), 'no stack trace');
}

/** The seed's flows, driven through a running stack. Registered inside a describe() by each e2e file. */
export function registerFoundationFlows(stack: () => Stack): void {
  it('logs in, reads /me and logs out; a logged-out token is refused', async () => {
    const { gatewayUrl } = stack();
    const res = await call<{ token: string; user: { email: string; role: string } }>(
      `${gatewayUrl}/api/v1/auth/login`,
      { method: 'POST', body: { email: 'admin@example.com', password: 'admin123' } },
    );
    assert.equal(res.status, 200);
    assert.equal(typeof res.body.token, 'string');
    assert.deepEqual([res.body.user.email, res.body.user.role], ['admin@example.com', 'admin']);
    const token = res.body.token;
    const me = await call<{ user: { email: string } }>(`${gatewayUrl}/api/v1/me`, { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.email, 'admin@example.com');
    const out = await call(`${gatewayUrl}/api/v1/auth/logout`, { method: 'POST', token });
    assert.equal(out.status, 204);
    assertEnvelope(await call(`${gatewayUrl}/api/v1/me`, { token }), 401, 'INVALID_TOKEN');
  });

  it('refuses at the gateway, within 1 s, a token logged out behind its back (cross-process revocation)', async () => {
    const { gatewayUrl, lbUrl } = stack();
    const token = await login(gatewayUrl, 'admin@example.com', 'admin123');
    // The dashboard is answered by the gateway alone, so only the gateway's own verification decides.
    const dashboard = `${gatewayUrl}/api/v1/admin/dashboard`;
    assert.equal((await call(dashboard, { token })).status, 200, 'session now cached by the gateway');
    // Log out at the balancer: the gateway never sees this request, only the revocation event.
    assert.equal((await call(`${lbUrl}/api/v1/auth/logout`, { method: 'POST', token })).status, 204);
    const deadline = Date.now() + 1000;
    let status = 200;
    while (Date.now() < deadline) {
      status = (await call(dashboard, { token })).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(status, 401, 'revocation reached the gateway within 1 s');
  });

  it('creates, reads, lists, updates and deletes a resource through the gateway', async () => {
    const { gatewayUrl } = stack();
    const token = await login(gatewayUrl, 'user@example.com', 'user123');
    const api = `${gatewayUrl}/api/v1/resources`;
    const created = await call<Resource>(api, {
      method: 'POST',
      token,
      body: { name: 'E2E doc', type: 'document', data: { a: 1 } },
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal(created.body.name, 'E2E doc');

    const got = await call<Resource>(`${api}/${id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body.data, { a: 1 });

    const list = await call<{ data: Resource[]; nextCursor: string | null }>(`${api}?limit=100`);
    assert.equal(list.status, 200);
    assert.ok(list.body.data.some((r) => r.id === id));

    const put = await call<Resource>(`${api}/${id}`, {
      method: 'PUT',
      token,
      body: { name: 'E2E doc v2', type: 'document', data: { b: 2 } },
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.name, 'E2E doc v2');
    const patched = await call<Resource>(`${api}/${id}`, { method: 'PATCH', token, body: { type: 'note' } });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.name, patched.body.type], ['E2E doc v2', 'note']);
    assert.ok(patched.body.version > created.body.version);

    assertEnvelope(await call(api, { method: 'POST', body: { name: 'x', type: 'y' } }), 401, 'UNAUTHORIZED');
    assert.equal((await call(`${api}/${id}`, { method: 'DELETE', token })).status, 204);
    assertEnvelope(await call(`${api}/${id}`), 404, 'NOT_FOUND');
  });

  it('walks 25 created resources by cursor with no duplicates or gaps', async () => {
    const { gatewayUrl } = stack();
    const token = await login(gatewayUrl, 'admin@example.com', 'admin123');
    const api = `${gatewayUrl}/api/v1/resources`;
    const createdIds: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await call<Resource>(api, {
        method: 'POST',
        token,
        body: { name: `walk-${i}`, type: 'walk' },
      });
      assert.equal(r.status, 201);
      createdIds.push(r.body.id);
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${api}?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call<{ data: Resource[]; nextCursor: string | null }>(url);
      assert.equal(page.status, 200);
      assert.ok(page.body.data.length <= 7);
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.nextCursor;
      pages++;
      assert.ok(pages < 100, 'pagination terminates');
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
      'ascending order',
    );
    const walked = seen.filter((id) => createdIds.includes(id));
    assert.deepEqual(walked, createdIds, 'every created resource exactly once, no gaps');
  });

  it('rotates /api/v1/status over the three servers in strict round robin through the balancer', async () => {
    const { lbUrl } = stack();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await call<{ status: string; instanceId: string; uptime: number }>(`${lbUrl}/api/v1/status`);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'ok');
      ids.push(r.body.instanceId);
    }
    const cycle = ids.slice(0, 3);
    assert.equal(new Set(cycle).size, 3, `three distinct instances: ${ids}`);
    assert.deepEqual(ids, [...cycle, ...cycle, ...cycle], 'strict rotation');
    const status = await call<LbStatusAnswer>(`${lbUrl}/lb/status`);
    assert.equal(status.status, 200);
    assert.equal(status.body.data.backends.length, 3);
    assert.equal(status.body.data.algorithm, 'round-robin');
  });

  it('serves /health and /metrics on every process', async () => {
    const s = stack();
    for (const base of [s.gatewayUrl, s.lbUrl, ...s.apiUrls]) {
      const health = await call(`${base}/health`);
      assert.equal(health.status, 200, `${base}/health`);
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.match(text, /^# HELP http_requests_total/m, `${base}/metrics`);
      assert.match(text, /process_cpu_user_seconds_total/);
    }
    for (const api of s.apiUrls) {
      assert.equal((await call(`${api}/health/live`)).status, 200);
      assert.equal((await call(`${api}/health/ready`)).status, 200);
    }
  });

  it('guards the admin dashboard: 401 anonymous, 403 user, 200 admin with backend states', async () => {
    const { gatewayUrl } = stack();
    const url = `${gatewayUrl}/api/v1/admin/dashboard`;
    assertEnvelope(await call(url), 401, 'UNAUTHORIZED');
    const userToken = await login(gatewayUrl, 'user@example.com', 'user123');
    assertEnvelope(await call(url, { token: userToken }), 403, 'FORBIDDEN');
    const adminToken = await login(gatewayUrl, 'admin@example.com', 'admin123');
    const res = await call<DashboardAnswer>(url, { token: adminToken });
    assert.equal(res.status, 200);
    assert.ok(res.body.data.gateway.requests.total > 0);
    assert.equal(res.body.data.balancer.reachable, true);
    assert.equal(res.body.data.balancer.status?.backends.length, 3);
  });

  it('answers bad input with 4xx envelopes, never a crash', async () => {
    const { gatewayUrl } = stack();
    const token = await login(gatewayUrl, 'user@example.com', 'user123');
    const api = `${gatewayUrl}/api/v1/resources`;
    assertEnvelope(await call(api, { method: 'POST', token, rawBody: '{"name":' }), 400, 'INVALID_JSON');
    assertEnvelope(
      await call(api, {
        method: 'POST',
        token,
        rawBody: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), type: 't' }),
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    assertEnvelope(await call(`${gatewayUrl}/api/v1/no-such-route`), 404, 'NOT_FOUND');
    assertEnvelope(await call(`${api}/abc`), 400, 'VALIDATION_FAILED');
    assertEnvelope(await call(`${api}/999999999`), 404, 'NOT_FOUND');
    assertEnvelope(await call(api, { method: 'POST', token, body: { name: '' } }), 400, 'VALIDATION_FAILED');
    assertEnvelope(await call(`${api}?limit=0`), 400, 'VALIDATION_FAILED');
    assertEnvelope(await call(`${api}?cursor=%%%`), 400, 'VALIDATION_FAILED');
    assertEnvelope(
      await call(`${gatewayUrl}/api/v1/auth/login`, {
        method: 'POST',
        body: { email: 'admin@example.com', password: 'wrong' },
      }),
      401,
      'INVALID_CREDENTIALS',
    );
    assertEnvelope(await call(`${gatewayUrl}/api/v1/me`, { token: 'not-a-token' }), 401, 'INVALID_TOKEN');
    // The request id the client sent comes back, on errors too.
    const withId = await call(`${gatewayUrl}/api/v1/no-such-route`, {
      headers: { 'x-request-id': 'e2e-trace-1' },
    });
    assert.equal(withId.headers.get('x-request-id'), 'e2e-trace-1');
    assert.equal((withId.body as ErrorEnvelope).error.requestId, 'e2e-trace-1');
    // Every process still answers.
    assert.equal((await call(`${gatewayUrl}/health`)).status, 200);
  });
}
