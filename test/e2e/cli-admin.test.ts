import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StatusReport } from '@floodgate/cli';
import { runCli } from '@floodgate/cli/testing';
import { ADMIN_ENDPOINTS, type ApiKey, type CreatedApiKey } from '@floodgate/shared/admin-api';
import { login } from '@floodgate/shared/testing';
import { FakeBackend } from './helpers/fake-backend.js';
import { FaultStack } from './helpers/fault-stack.js';
import { call } from './helpers/http.js';
import { checkedAnswers } from './helpers/openapi-conformance.js';

// Every CLI command through the real binary against three api-servers, the balancer and a gateway
// (real PostgreSQL and Redis), and every admin and status endpoint checked against the OpenAPI document.

describe('floodgate CLI and the admin contract against a running stack', { timeout: 600_000 }, () => {
  let stack: FaultStack;
  let admin: string;
  const spare = new FakeBackend();

  before(async () => {
    stack = await FaultStack.start({
      label: 'cli',
      // Limits on, as deployed: a key's tier shows in its RateLimit headers.
      gatewayEnv: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX_REQUESTS: '1000' },
    });
    admin = await login(stack.gatewayUrl, 'admin@example.com', 'admin123');
    await spare.listen();
  });
  after(async () => {
    await spare.close();
    await stack?.close();
  });

  const cli = (...args: string[]) => runCli([...args, '--url', stack.gatewayUrl, '--token', admin]);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `floodgate ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '', `floodgate ${args.join(' ')}`);
    return r.stdout;
  };
  const failsWith = async (code: number, pattern: RegExp, ...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, code, `floodgate ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  };

  it('status shows a breaker forced open, and breakers list, open, close, reset drive it', async () => {
    assert.match(await ok('breakers', 'open', 'api-2'), /^breaker of api-2 forced open .*: open\n$/);
    const status = await ok('status');
    assert.match(
      status,
      /\n {2}api-2 {2}http:\/\/127\.0\.0\.1:\d+ {2}healthy, unavailable, breaker open, in-flight \d+\n/,
    );
    assert.match(
      status,
      /\n {2}api-1 {2}http:\/\/127\.0\.0\.1:\d+ {2}healthy, breaker closed, in-flight \d+\n/,
    );
    assert.match(status, /\nstatus: healthy\n$/, 'two backends still take requests');
    const report = JSON.parse(await ok('status', '--json')) as StatusReport;
    assert.equal(
      report.dashboard?.balancer.status?.backends.find((b) => b.id === 'api-2')?.circuitState,
      'open',
    );
    assert.match(
      await ok('breakers', 'list'),
      /\napi-2\s+open\s+yes\s+0\s+\d+\/\d+\s+\d{4}-\d\d-\d\dT[\d:.]+Z\n/,
    );
    assert.match(await ok('breakers', 'close', 'api-2'), /: closed\n$/);
    assert.match(await ok('breakers', 'reset', 'api-2'), /^breaker of api-2 reset .*: closed\n$/);
    assert.ok((await stack.backends()).every((b) => b.circuitState === 'closed'));
    await failsWith(1, /^floodgate breakers open: NOT_FOUND: /, 'breakers', 'open', 'api-99');
  });

  it('backends list, add (the request goes to --url), drain, enable and remove', async () => {
    const listed = JSON.parse(await ok('backends', 'list', '--json')) as { url: string }[];
    assert.deepEqual(
      listed.map((b) => b.url),
      [...stack.apiUrls],
    );
    const added = await ok('backends', 'add', spare.url, '--weight', '2');
    const id = /^added (api-\d+) /.exec(added)?.[1] as string;
    assert.equal(added, `added ${id} ${spare.url} (weight 2)\n`);
    assert.equal((await stack.backends()).find((b) => b.id === id)?.weight, 2);
    assert.equal(await ok('backends', 'drain', id), `draining ${id} ${spare.url}\n`);
    assert.equal((await stack.backends()).find((b) => b.id === id)?.draining, true);
    assert.match(
      await ok('backends', 'list'),
      new RegExp(`\\n${id}\\s+\\S+\\s+2\\s+healthy\\s+closed\\s+draining\\s`),
    );
    assert.equal(await ok('backends', 'enable', id), `enabled ${id} ${spare.url}\n`);
    assert.equal(await ok('backends', 'remove', id), `removed ${id} ${spare.url}\n`);
    assert.equal((await stack.backends()).length, 3);
    await failsWith(1, /^floodgate backends add: CONFLICT: /, 'backends', 'add', stack.apiUrls[0] as string);
    await failsWith(1, /^floodgate backends drain: NOT_FOUND: /, 'backends', 'drain', 'api-99');
  });

  it('keys: create, list a page and then the next by cursor, --all; a tier change reaches the gateway; revoke', async () => {
    const created: CreatedApiKey[] = [];
    for (const name of ['cli-a', 'cli-b', 'cli-c']) {
      created.push(
        JSON.parse(await ok('keys', 'create', '--name', name, '--tier', 'free', '--json')) as CreatedApiKey,
      );
    }
    const all = JSON.parse(await ok('keys', 'list', '--all', '--json')) as ApiKey[];
    for (const c of created)
      assert.ok(
        all.some((k) => k.id === c.id && k.tier === 'free'),
        c.name,
      );
    const first = await ok('keys', 'list', '--limit', '2');
    const cursor = /more keys: floodgate keys list --cursor (\S+) \(or --all\)\n$/.exec(first)?.[1];
    assert.ok(cursor, first);
    const rest = await ok('keys', 'list', '--limit', '1000', '--cursor', cursor);
    assert.equal(
      [first, rest].join('').match(/^\d+ /gm)?.length,
      all.length,
      'two pages hold every key once',
    );

    const key = created[0] as CreatedApiKey;
    const limitOf = async () =>
      (
        await call(`${stack.gatewayUrl}/api/v1/resources/1`, { headers: { 'x-api-key': key.key } })
      ).headers.get('x-ratelimit-limit');
    assert.equal(await limitOf(), '1000');
    assert.match(await ok('keys', 'tier', String(key.id), 'enterprise'), /is now tier enterprise\n$/);
    assert.equal(await limitOf(), '100000', 'the gateway applies the new tier at once');
    assert.match(await ok('keys', 'revoke', String(key.id)), new RegExp(`^revoked key ${key.id} `));
    const refused = await call(`${stack.gatewayUrl}/api/v1/resources/1`, {
      headers: { 'x-api-key': key.key },
    });
    assert.equal(refused.status, 401);
    await failsWith(2, /^floodgate keys tier: invalid value: tier is "gold"/, 'keys', 'tier', '1', 'gold');
  });

  it('cache stats and clear across the three api-servers; rate-limits', async () => {
    for (let i = 0; i < 6; i++) await call(`${stack.gatewayUrl}/api/v1/resources/1`);
    const stats = await ok('cache', 'stats');
    assert.match(stats, /^api-servers {2}3\/3 answering\n/);
    const json = JSON.parse(await ok('cache', 'stats', '--json')) as {
      totals: { l1: { hits: number; misses: number } };
    };
    assert.ok(json.totals.l1.hits + json.totals.l1.misses >= 6, JSON.stringify(json.totals));
    const byKey = await ok('cache', 'clear', '--key', 'resource:1');
    assert.match(
      byKey,
      /^cleared key resource:1\n( {2}api-\d {2}\S+ {2}L1 [01] entries, L2 (\d+ deleted|none configured)\n){3}$/,
    );
    assert.match(await ok('cache', 'clear'), /^cleared everything\n/);
    assert.match(
      await ok('rate-limits'),
      /^rate limiting shared, 1 live gateway\n(.|\n)*\nenterprise\s+100000\/60s\s/,
    );
  });

  it('a failing backend’s breaker half-opens, spelled half_open as everywhere', async () => {
    const failing = await new FakeBackend({ status: 500 }).listen();
    try {
      const id = /^added (api-\d+) /.exec(await ok('backends', 'add', failing.url))?.[1] as string;
      await stack.waitForBackends((bs) => bs.some((b) => b.id === id && b.healthy), 30_000, `${id} healthy`);
      // Its 500s open the breaker; with no traffic, after CIRCUIT_RESET_TIMEOUT it half-opens.
      const deadline = Date.now() + 60_000;
      let state = '';
      while (state !== 'open' && Date.now() < deadline) {
        await call(`${stack.lbUrl}/api/v1/status`);
        state = (await stack.backends()).find((b) => b.id === id)?.circuitState ?? '';
      }
      assert.equal(state, 'open');
      await stack.waitForBackends(
        (bs) => bs.find((b) => b.id === id)?.circuitState === 'half_open',
        30_000,
        `${id} half_open`,
      );
      await ok('backends', 'remove', id);
    } finally {
      await failing.close();
    }
  });

  it('every admin and status endpoint answers what the OpenAPI document says', async () => {
    const gw = (method: string, path: string, body?: unknown) =>
      call(`${stack.gatewayUrl}${path}`, { method, token: admin, ...(body === undefined ? {} : { body }) });
    const lb = (method: string, path: string, body?: unknown) => stack.lbAdmin(method, path, body);
    const expect = async (p: Promise<{ status: number }>, status: number) =>
      assert.equal((await p).status, status);

    for (const path of [
      'dashboard',
      'rate-limits',
      'cache',
      'openapi.json',
      'keys?limit=1',
      'backends',
      'backends/api-1',
      'circuit-breakers?limit=2',
    ]) {
      await expect(gw('GET', `/api/v1/admin/${path}`), 200);
    }
    await expect(gw('POST', '/api/v1/admin/cache/clear', { prefix: 'list:' }), 200);
    await expect(gw('DELETE', '/api/v1/admin/cache/keys/resource%3A1'), 200);
    await expect(gw('DELETE', '/api/v1/admin/cache/keys?prefix=resource:'), 200);
    const created = await gw('POST', '/api/v1/admin/keys', { name: 'tour', tier: 'pro' });
    assert.equal(created.status, 201);
    const keyId = (created.body as { data: { id: number } }).data.id;
    await expect(gw('PATCH', `/api/v1/admin/keys/${keyId}`, { tier: 'free' }), 200);
    await expect(gw('DELETE', `/api/v1/admin/keys/${keyId}`), 200);

    for (const [base, send] of [
      ['/api/v1/admin', gw],
      ['', lb],
    ] as const) {
      const added = await send('POST', `${base}/backends`, { url: spare.url });
      assert.equal(added.status, 201);
      const id = (added.body as { data: { id: string } }).data.id;
      await expect(send('GET', `${base}/backends/${id}`), 200);
      await expect(send('POST', `${base}/backends/${id}/drain`), 200);
      await expect(send('POST', `${base}/backends/${id}/enable`), 200);
      for (const action of ['open', 'close', 'reset'])
        await expect(send('POST', `${base}/circuit-breakers/${id}/${action}`), 200);
      await expect(send('DELETE', `${base}/backends/${id}`), 200);
    }
    await expect(lb('GET', '/backends?limit=1'), 200);
    await expect(lb('GET', '/circuit-breakers'), 200);
    await expect(call(`${stack.lbUrl}/lb/status`), 200);
    await expect(call(`${stack.apiUrls[0]}/internal/cache`), 200);
    await expect(call(`${stack.apiUrls[0]}/internal/cache/clear`, { method: 'POST', body: {} }), 200);

    const missing = ADMIN_ENDPOINTS.map((e) => `${e.method.toUpperCase()} ${e.path} ${e.ok.status}`).filter(
      (k) => !checkedAnswers.has(k),
    );
    assert.deepEqual(missing, [], 'every endpoint was called and checked');
  });
});
