import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type FakeBalancerAdmin, startFakeBalancerAdmin } from '../testing/fake-balancer-admin.js';
import { runCli } from '../testing/run-cli.js';
import { runBackends } from './backends.js';

const TOKEN = '-admin-token_7';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('floodgate backends', () => {
  let fake: FakeBalancerAdmin;
  before(async () => {
    fake = await startFakeBalancerAdmin(TOKEN);
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());
  const opts = (extra: { json?: boolean } = {}) => ({ url: fake.url, token: TOKEN, ...extra });

  it('list prints a table with health, breaker and drain state; --json prints the backends', async () => {
    const c = capture();
    assert.equal(await runBackends({ action: 'list' }, opts(), c.io), 0);
    const text = c.out.join('');
    assert.match(
      text,
      /^ID\s+URL\s+WEIGHT\s+HEALTH\s+BREAKER\s+STATE\s+IN-FLIGHT\s+REQUESTS\s+FAILURES\s+P50\s+P99\n/,
    );
    assert.match(
      text,
      /\napi-1\s+http:\/\/127\.0\.0\.1:3001\s+1\s+healthy\s+closed\s+available\s+0\s+120\s+2\s+1\.2ms\s+9\.9ms/,
    );
    assert.deepEqual(fake.seen[0], {
      method: 'GET',
      url: '/api/v1/admin/backends',
      auth: `Bearer ${TOKEN}`,
      body: '',
    });
    const j = capture();
    assert.equal(await runBackends({ action: 'list' }, opts({ json: true }), j.io), 0);
    assert.deepEqual(
      JSON.parse(j.out.join('')).map((b: { id: string }) => b.id),
      ['api-1', 'api-2'],
    );
    assert.deepEqual([...c.err, ...j.err], []);
  });

  it('add, drain, enable and remove call the admin API and say what changed', async () => {
    const add = capture();
    assert.equal(
      await runBackends({ action: 'add', url: 'http://127.0.0.1:3009', weight: 3 }, opts(), add.io),
      0,
    );
    assert.equal(add.out.join(''), 'added api-3 http://127.0.0.1:3009 (weight 3)\n');
    assert.equal(fake.seen.at(-1)?.body, '{"url":"http://127.0.0.1:3009","weight":3}');
    const drain = capture();
    assert.equal(await runBackends({ action: 'drain', id: 'api-2' }, opts(), drain.io), 0);
    assert.equal(drain.out.join(''), 'draining api-2 http://127.0.0.1:3002\n');
    assert.equal(fake.seen.at(-1)?.url, '/api/v1/admin/backends/api-2/drain');
    assert.equal(fake.backends[1]?.draining, true);
    const enable = capture();
    assert.equal(await runBackends({ action: 'enable', id: 'api-2' }, opts({ json: true }), enable.io), 0);
    assert.equal(JSON.parse(enable.out.join('')).draining, false);
    const remove = capture();
    assert.equal(await runBackends({ action: 'remove', id: 'api-1' }, opts(), remove.io), 0);
    assert.equal(fake.seen.at(-1)?.method, 'DELETE');
    assert.deepEqual(
      fake.backends.map((b) => b.id),
      ['api-2', 'api-3'],
    );
  });

  it('1 with a one-line reason when refused (unknown id, duplicate URL, bad token, unreachable)', async () => {
    const cases: [Parameters<typeof runBackends>[0], Parameters<typeof runBackends>[1], RegExp][] = [
      [{ action: 'drain', id: 'api-9' }, opts(), /^floodgate backends drain: NOT_FOUND: No backend api-9\n$/],
      [{ action: 'add', url: 'http://127.0.0.1:3001' }, opts(), /^floodgate backends add: CONFLICT: .+\n$/],
      [
        { action: 'list' },
        { url: fake.url, token: 'wrong' },
        /^floodgate backends list: INVALID_TOKEN: .+\n$/,
      ],
      [
        { action: 'list' },
        { url: 'http://127.0.0.1:9', token: TOKEN },
        /^floodgate backends list: BAD_GATEWAY: .+\n$/,
      ],
    ];
    for (const [what, options, reason] of cases) {
      const c = capture();
      assert.equal(await runBackends(what, options, c.io), 1, JSON.stringify(what));
      assert.match(c.err.join(''), reason);
      assert.deepEqual(c.out, []);
    }
  });

  it('2 on bad usage: no token, a malformed id or weight, a bad URL; nothing is sent', async () => {
    const cases: [Parameters<typeof runBackends>[0], Parameters<typeof runBackends>[1]][] = [
      [{ action: 'list' }, { url: fake.url }],
      [{ action: 'remove', id: '../lb/status' }, opts()],
      [{ action: 'add', url: 'http://127.0.0.1:3009', weight: 0 }, opts()],
      [{ action: 'list' }, { url: 'not a url', token: TOKEN }],
    ];
    for (const [what, options] of cases) {
      const c = capture();
      assert.equal(await runBackends(what, options, c.io), 2, JSON.stringify([what, options]));
      assert.equal(c.err.length, 1);
    }
    assert.equal(fake.seen.length, 0);
  });

  it('the binary exits 0, 1 and 2 accordingly', { timeout: 20_000 }, async () => {
    const [ok, missing, usage] = await Promise.all([
      runCli(['backends', 'list', '--json', '--token', TOKEN, '--url', fake.url]),
      runCli(['backends', 'drain', 'api-9', '--token', TOKEN, '--url', fake.url]),
      runCli(['backends', 'drain', '--token', TOKEN, '--url', fake.url]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).length, 2);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /NOT_FOUND/);
    assert.equal(usage.code, 2);
  });
});
