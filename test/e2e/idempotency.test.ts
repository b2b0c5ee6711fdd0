import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { login, startTcpProxy, type TcpProxy } from '@floodgate/shared/testing';
import pg from 'pg';
import { FaultStack } from './helpers/fault-stack.js';
import { call } from './helpers/http.js';

interface Created {
  id: number;
  name: string;
}

describe('Idempotency-Key through gateway and balancer (real processes)', { timeout: 180_000 }, () => {
  let stack: FaultStack;
  let db: pg.Client;
  let token: string;

  before(async () => {
    stack = await FaultStack.start({ label: 'idempotency' });
    db = new pg.Client({ connectionString: stack.db.url });
    await db.connect();
    token = await login(stack.gatewayUrl, 'user@example.com', 'user123');
  });
  after(async () => {
    await db?.end();
    await stack?.close();
  });

  const post = (key: string, name: string) =>
    call<Created>(`${stack.gatewayUrl}/api/v1/resources`, {
      method: 'POST',
      token,
      body: { name, type: 'idempotency-e2e' },
      headers: { 'idempotency-key': `"${key}"` },
    });
  const rowsNamed = async (name: string) =>
    (await db.query<{ id: number }>('SELECT id FROM resources WHERE name = $1', [name])).rows.map(
      (r) => r.id,
    );

  it('20 concurrent identical POSTs with one key: one row, and every 2xx carries its id', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post('e2e-concurrent', 'e2e-concurrent')),
    );
    const stored = await rowsNamed('e2e-concurrent');
    assert.equal(stored.length, 1, 'one row');
    const ok = answers.filter((a) => a.status === 201);
    assert.ok(ok.length >= 1);
    for (const a of ok) assert.equal(a.body.id, stored[0], 'one id in every 2xx');
    for (const a of answers.filter((x) => x.status !== 201)) {
      assert.equal(a.status, 409, JSON.stringify(a.body));
      assert.equal((a.body as unknown as { error: { code: string } }).error.code, 'IDEMPOTENCY_IN_FLIGHT');
    }
    // Once the first is done, a repeat is a replay of it.
    const again = await post('e2e-concurrent', 'e2e-concurrent');
    assert.equal(again.status, 201);
    assert.equal(again.body.id, stored[0]);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  });

  it('a backend commits and its answer is cut: the balancer retries elsewhere, which replays; one row', async () => {
    // api-1 behind a proxy that cuts the connection as the api-server's answer to a POST comes
    // back (the write committed), registered as a backend; api-1 direct and api-3 drained, so
    // traffic alternates between the proxy and api-2 — another process.
    const api1 = new URL(stack.apiUrls[0] as string);
    const proxy: TcpProxy = await startTcpProxy({ host: api1.hostname, port: Number(api1.port) });
    try {
      const proxyUrl = `http://127.0.0.1:${proxy.port}`;
      const added = await stack.lbAdmin<{ id: string }>('POST', '/backends', { url: proxyUrl });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      for (const b of await stack.backends()) {
        if (b.url === stack.apiUrls[0] || b.url === stack.apiUrls[2]) {
          assert.equal((await stack.lbAdmin('POST', `/backends/${b.id}/drain`)).status, 200);
        }
      }
      await stack.waitForBackends(
        (bs) =>
          bs.filter((b) => b.available).length === 2 && bs.some((b) => b.url === proxyUrl && b.available),
        30_000,
        'the proxy and api-2 available, the rest drained',
      );
      const retriesBefore = await stack.retries();
      const cut = proxy.cutOnce('POST /api/v1/resources', 'reply');
      let fired = false;
      void cut.then(() => {
        fired = true;
      });
      let answer: Awaited<ReturnType<typeof post>> | null = null;
      let name = '';
      for (let i = 0; i < 10 && !fired; i++) {
        name = `e2e-cut-${i}`;
        answer = await post(`e2e-cut-${i}`, name);
      }
      assert.ok(fired && answer, 'a POST went through the cutting proxy');
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      assert.equal(answer.headers.get('idempotent-replayed'), 'true', 'answered by the retry, as a replay');
      assert.deepEqual(await rowsNamed(name), [answer.body.id], 'one row, the one the client was told about');
      const retriesAfter = await stack.retries();
      const total = (r: Record<string, number>) =>
        Object.entries(r).reduce((n, [k, v]) => (k === 'budget-exhausted' ? n : n + v), 0);
      assert.ok(total(retriesAfter) > total(retriesBefore), 'the balancer retried');
    } finally {
      await stack.reset();
      await proxy.close();
    }
  });
});
