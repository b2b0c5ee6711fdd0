import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { joinRoom, type RoomClient } from '@floodgate/api-server/testing';
import type {
  BackendAnswer,
  BackendPage,
  CircuitBreakerAnswer,
  CircuitBreakerPage,
  DashboardAnswer,
} from '@floodgate/shared/admin-api';
import { login } from '@floodgate/shared/testing';
import WebSocket from 'ws';
import { FakeBackend } from './helpers/fake-backend.js';
import { FaultStack } from './helpers/fault-stack.js';
import { call } from './helpers/http.js';

/** A room member through the gateway, as the client `ip` (the gateway trusts 127.0.0.1 proxies here). */
const joinAs = (gatewayUrl: string, room: string, ip: string) =>
  joinRoom(gatewayUrl, room, { 'x-forwarded-for': ip });

describe('balancer control through the gateway, WebSockets (real processes)', {
  timeout: 120_000,
}, () => {
  let stack: FaultStack;
  let admin: string;
  let user: string;
  const fake = new FakeBackend();

  before(async () => {
    stack = await FaultStack.start({
      label: 'control',
      // Rate limiting on, as deployed: WebSocket upgrades pass the same stages as requests.
      gatewayEnv: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX_REQUESTS: '1000' },
    });
    admin = await login(stack.gatewayUrl, 'admin@example.com', 'admin123');
    user = await login(stack.gatewayUrl, 'user@example.com', 'user123');
    await fake.listen();
  });
  after(async () => {
    await fake.close();
    await stack?.close();
  });

  const gw = <T>(method: string, path: string, token: string | null = admin, body?: unknown) =>
    call<T>(`${stack.gatewayUrl}${path}`, { method, ...(token ? { token } : {}), ...(body ? { body } : {}) });

  it('admins drain, enable, add and remove backends and force breakers through the gateway; the dashboard shows them', async () => {
    const list = await gw<BackendPage>('GET', '/api/v1/admin/backends');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.data.map((b) => b.url),
      [...stack.apiUrls],
    );
    const id = list.body.data[1]?.id as string;

    const drained = await gw<BackendAnswer>('POST', `/api/v1/admin/backends/${id}/drain`);
    assert.equal(drained.status, 200);
    assert.equal(drained.body.data.draining, true);
    assert.equal(
      (await stack.backends()).find((b) => b.id === id)?.available,
      false,
      'the balancer applied it',
    );
    assert.equal(
      (await gw<BackendAnswer>('POST', `/api/v1/admin/backends/${id}/enable`)).body.data.draining,
      false,
    );

    const opened = await gw<CircuitBreakerAnswer>('POST', `/api/v1/admin/circuit-breakers/${id}/open`);
    assert.deepEqual(
      [opened.status, opened.body.data.circuitState, opened.body.data.forced],
      [200, 'open', true],
    );
    const dashboard = await gw<DashboardAnswer>('GET', '/api/v1/admin/dashboard');
    assert.equal(dashboard.body.data.balancer.reachable, true);
    assert.deepEqual(
      dashboard.body.data.balancer.status?.backends.map((b) => [b.id, b.healthy, b.circuitState]),
      list.body.data.map((b) => [b.id, true, b.id === id ? 'open' : 'closed']),
      'the dashboard shows every backend with its breaker state',
    );
    const breakers = await gw<CircuitBreakerPage>('GET', '/api/v1/admin/circuit-breakers');
    assert.equal(breakers.body.data.find((b) => b.backendId === id)?.circuitState, 'open');
    assert.equal((await gw('POST', `/api/v1/admin/circuit-breakers/${id}/reset`)).status, 200);

    const added = await gw<BackendAnswer>('POST', '/api/v1/admin/backends', admin, {
      url: fake.url,
    });
    assert.equal(added.status, 201);
    assert.equal((await gw('POST', '/api/v1/admin/backends', admin, { url: fake.url })).status, 409);
    const removed = await gw<BackendAnswer>('DELETE', `/api/v1/admin/backends/${added.body.data.id}`);
    assert.equal(removed.status, 200);
    assert.equal((await stack.backends()).length, 3);
    assert.equal((await gw('GET', '/api/v1/admin/backends/api-99')).status, 404);
  });

  it('only admins: 401 anonymous, 403 for a user; the balancer’s own /lb/* is unreachable through the gateway', async () => {
    assert.equal((await gw('GET', '/api/v1/admin/backends', null)).status, 401);
    assert.equal((await gw('POST', '/api/v1/admin/circuit-breakers/api-1/open', user)).status, 403);
    for (const path of ['/lb/status', '/lb/admin/backends', '/api/../lb/status']) {
      const res = await gw('GET', path);
      assert.ok(res.status === 404 || res.status === 400, `${path}: ${res.status}`);
    }
    assert.ok((await stack.backends()).every((b) => b.circuitState === 'closed' && !b.draining));
  });

  it('WebSocket: two clients on different instances, one room, messages both ways through gateway and balancer', async () => {
    // Stickiness is per client address: find two client addresses the balancer places apart.
    const first = await joinAs(stack.gatewayUrl, 'e2e-room', '203.0.113.1');
    let second: RoomClient | undefined;
    for (let i = 2; i < 40 && second === undefined; i++) {
      const candidate = await joinAs(stack.gatewayUrl, 'e2e-room', `203.0.113.${i}`);
      if (candidate.instanceId !== first.instanceId) second = candidate;
      else candidate.ws.close();
    }
    assert.ok(second, 'two clients landed on different instances');
    const again = await joinAs(stack.gatewayUrl, 'e2e-room', '203.0.113.1');
    assert.equal(again.instanceId, first.instanceId, 'the same client lands on the same instance (sticky)');
    again.ws.close();

    first.ws.send('hello from the first');
    const got = await second.message('hello from the first');
    assert.deepEqual(got, {
      type: 'message',
      room: 'e2e-room',
      from: first.instanceId,
      data: 'hello from the first',
    });
    second.ws.send('and back');
    assert.equal((await first.message('and back')).from, second.instanceId);
    const status = await stack.backends();
    assert.ok(status.reduce((n, b) => n + b.webSockets, 0) >= 2, 'the balancer counts the tunnels');
    first.ws.close();
    second.ws.close();

    const bad = new WebSocket(`${stack.gatewayUrl.replace('http', 'ws')}/api/v1/ws?room=x`, {
      headers: { authorization: 'Bearer nope' },
    });
    const [, response] = (await once(bad, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(response.statusCode, 401, 'the gateway authenticates the upgrade');
  });
});
