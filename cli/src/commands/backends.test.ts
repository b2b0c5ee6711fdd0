import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { getFreePort } from '@floodgate/shared/testing';
import { captureIo } from '../testing/capture-io.js';
import { type FakeGateway, startFakeGateway } from '../testing/fake-gateway.js';
import { runCli } from '../testing/run-cli.js';
import { runBackends } from './backends.js';

const TOKEN = '-admin-token_7';

describe('floodgate backends', () => {
  let fake: FakeGateway;
  before(async () => {
    fake = await startFakeGateway(TOKEN);
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());
  const opts = (extra: { json?: boolean } = {}) => ({ url: fake.url, token: TOKEN, ...extra });

  it('list walks every page and prints health, breaker and drain state; --json prints the backends', async () => {
    fake.pageSize = 1;
    const c = captureIo();
    assert.equal(await runBackends({ action: 'list' }, opts(), c.io), 0);
    assert.match(
      c.out(),
      /^ID\s+URL\s+WEIGHT\s+HEALTH\s+BREAKER\s+STATE\s+IN-FLIGHT\s+REQUESTS\s+FAILURES\s+P50\s+P99\n/,
    );
    assert.match(
      c.out(),
      /\napi-1\s+http:\/\/127\.0\.0\.1:3001\s+1\s+healthy\s+closed\s+available\s+0\s+120\s+2\s+1\.2ms\s+9\.9ms\n/,
    );
    assert.match(c.out(), /\napi-2\s+/);
    assert.deepEqual(
      fake.seen.map((s) => [s.method, s.url.replace(/cursor=[^&]+/, 'cursor=C'), s.auth]),
      [
        ['GET', '/api/v1/admin/backends?limit=1000', `Bearer ${TOKEN}`],
        ['GET', '/api/v1/admin/backends?limit=1000&cursor=C', `Bearer ${TOKEN}`],
      ],
      'the fake pages by one whatever the limit: two pages',
    );
    const j = captureIo();
    assert.equal(await runBackends({ action: 'list' }, opts({ json: true }), j.io), 0);
    assert.deepEqual(
      JSON.parse(j.out()).map((b: { id: string }) => b.id),
      ['api-1', 'api-2'],
    );
    assert.equal(c.err() + j.err(), '');
  });

  it('add, drain, enable and remove call the admin API and say what changed', async () => {
    const add = captureIo();
    assert.equal(
      await runBackends({ action: 'add', origin: 'http://127.0.0.1:3009', weight: 3 }, opts(), add.io),
      0,
    );
    assert.equal(add.out(), 'added api-3 http://127.0.0.1:3009 (weight 3)\n');
    assert.equal(fake.seen.at(-1)?.body, '{"url":"http://127.0.0.1:3009","weight":3}');
    const drain = captureIo();
    assert.equal(await runBackends({ action: 'drain', id: 'api-2' }, opts(), drain.io), 0);
    assert.equal(drain.out(), 'draining api-2 http://127.0.0.1:3002\n');
    assert.equal(fake.seen.at(-1)?.url, '/api/v1/admin/backends/api-2/drain');
    assert.equal(fake.backends[1]?.draining, true);
    const enable = captureIo();
    assert.equal(await runBackends({ action: 'enable', id: 'api-2' }, opts({ json: true }), enable.io), 0);
    assert.equal(JSON.parse(enable.out()).draining, false);
    const remove = captureIo();
    assert.equal(await runBackends({ action: 'remove', id: 'api-1' }, opts(), remove.io), 0);
    assert.equal(fake.seen.at(-1)?.method, 'DELETE');
    assert.deepEqual(
      fake.backends.map((b) => b.id),
      ['api-2', 'api-3'],
    );
  });

  it('1 with a one-line reason when refused (unknown id, duplicate URL, bad token, unreachable)', async () => {
    const cases: [Parameters<typeof runBackends>[0], Parameters<typeof runBackends>[1], RegExp][] = [
      [
        { action: 'drain', id: 'api-9' },
        opts(),
        /^floodgate backends drain: NOT_FOUND: No backend with id api-9\n$/,
      ],
      [
        { action: 'add', origin: 'http://127.0.0.1:3001' },
        opts(),
        /^floodgate backends add: CONFLICT: .+\n$/,
      ],
      [
        { action: 'list' },
        { url: fake.url, token: 'wrong' },
        /^floodgate backends list: INVALID_TOKEN: .+\n$/,
      ],
      [
        { action: 'list' },
        { url: `http://127.0.0.1:${await getFreePort()}`, token: TOKEN },
        /^floodgate backends list: BAD_GATEWAY: cannot reach .+\n$/,
      ],
    ];
    for (const [what, options, reason] of cases) {
      const c = captureIo();
      assert.equal(await runBackends(what, options, c.io), 1, JSON.stringify(what));
      assert.match(c.err(), reason);
      assert.equal(c.out(), '');
    }
  });

  it('2 on bad usage: no token, a malformed id or weight, a bad URL; nothing is sent', async () => {
    const cases: [Parameters<typeof runBackends>[0], Parameters<typeof runBackends>[1]][] = [
      [{ action: 'list' }, { url: fake.url }],
      [{ action: 'remove', id: '../lb/status' }, opts()],
      [{ action: 'add', origin: 'http://127.0.0.1:3009', weight: 0 }, opts()],
      [{ action: 'list' }, { url: 'not a url', token: TOKEN }],
    ];
    for (const [what, options] of cases) {
      const c = captureIo();
      assert.equal(await runBackends(what, options, c.io), 2, JSON.stringify([what, options]));
      assert.equal(c.err().split('\n').length, 2, 'one line');
    }
    assert.equal(fake.seen.length, 0);
  });

  it('add <origin> sends the request to --url, never to the new backend', { timeout: 90_000 }, async () => {
    const r = await runCli([
      'backends',
      'add',
      'http://127.0.0.1:39999',
      '--url',
      fake.url,
      '--token',
      TOKEN,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      [fake.seen.at(-1)?.method, fake.seen.at(-1)?.url, fake.seen.at(-1)?.body],
      ['POST', '/api/v1/admin/backends', '{"url":"http://127.0.0.1:39999"}'],
    );
  });

  it('the binary exits 0, 1 and 2 accordingly, with one line on stderr', { timeout: 90_000 }, async () => {
    const [ok, missing, usage] = await Promise.all([
      runCli(['backends', 'list', '--json', '--token', TOKEN, '--url', fake.url]),
      runCli(['backends', 'drain', 'api-9', '--token', TOKEN, '--url', fake.url]),
      runCli(['backends', 'drain', '--token', TOKEN, '--url', fake.url]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).length, 2);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^floodgate backends drain: NOT_FOUND: .+\n$/);
    assert.equal(usage.code, 2);
    assert.equal(
      usage.stderr,
      'floodgate backends drain: missing arguments (0 of 1 given) (see floodgate backends drain --help)\n',
    );
  });
});
