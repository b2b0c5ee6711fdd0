import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { captureIo } from '../testing/capture-io.js';
import { type FakeGateway, startFakeGateway } from '../testing/fake-gateway.js';
import { runCli } from '../testing/run-cli.js';
import { runKeys } from './keys.js';

const TOKEN = '-admin-token_42';

describe('floodgate keys', () => {
  let fake: FakeGateway;
  before(async () => {
    fake = await startFakeGateway(TOKEN);
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());
  const opts = (extra: { json?: boolean } = {}) => ({ url: fake.url, token: TOKEN, ...extra });
  const create = async (n: number) => {
    for (let i = 0; i < n; i++) {
      assert.equal(
        await runKeys({ action: 'create', name: `app-${i}`, tier: 'free' }, opts(), captureIo().io),
        0,
      );
    }
  };

  it('create prints the key once with a warning; --json prints the created key', async () => {
    const c = captureIo();
    assert.equal(await runKeys({ action: 'create', name: 'acme', tier: 'pro' }, opts(), c.io), 0);
    assert.match(
      c.out(),
      /^created key 1 \(abcd1234\) for acme, tier pro\nfg_abcd1234_s{43}\nThis is the only time/,
    );
    assert.equal(fake.seen.at(-1)?.body, '{"name":"acme","tier":"pro"}');
    const j = captureIo();
    assert.equal(await runKeys({ action: 'create', name: 'b', tier: 'free' }, opts({ json: true }), j.io), 0);
    assert.equal(JSON.parse(j.out()).key.length, 55);
  });

  it('list prints one page and the cursor of the next; --cursor continues; --all walks every page', async () => {
    await create(5);
    fake.seen.length = 0;
    const first = captureIo();
    assert.equal(await runKeys({ action: 'list', limit: 2 }, opts(), first.io), 0);
    assert.match(
      first.out(),
      /^ID\s+PREFIX\s+NAME\s+TIER\s+STATUS\s+LAST USED\s+CREATED\n1\s+abcd1234\s+app-0\s+free\s+active\s+never/,
    );
    const cursor = /--cursor (\S+) \(or --all\)\n$/.exec(first.out())?.[1];
    assert.ok(cursor, first.out());
    const second = captureIo();
    assert.equal(await runKeys({ action: 'list', limit: 2, cursor }, opts(), second.io), 0);
    assert.match(second.out(), /\n3\s+abcd1234\s+app-2\s.*\n4\s+abcd1234\s+app-3\s/);
    const all = captureIo();
    fake.pageSize = 2;
    assert.equal(await runKeys({ action: 'list', all: true }, opts({ json: true }), all.io), 0);
    assert.deepEqual(
      JSON.parse(all.out()).map((k: { id: number }) => k.id),
      [1, 2, 3, 4, 5],
    );
    assert.equal(all.err(), '', 'nothing left to page');
    assert.deepEqual(
      fake.seen.map((s) => s.url.replace(/cursor=[^&]+/, 'cursor=C')),
      [
        '/api/v1/admin/keys?limit=2',
        '/api/v1/admin/keys?limit=2&cursor=C',
        '/api/v1/admin/keys?limit=1000',
        '/api/v1/admin/keys?limit=1000&cursor=C',
        '/api/v1/admin/keys?limit=1000&cursor=C',
      ],
    );
  });

  it('revoke and tier (PATCH keys/:id) say what changed, and whether it was published', async () => {
    await create(1);
    const revoke = captureIo();
    assert.equal(await runKeys({ action: 'revoke', id: '1' }, opts(), revoke.io), 0);
    assert.equal(revoke.out(), 'revoked key 1 (abcd1234) of app-0\n');
    const tier = captureIo();
    assert.equal(await runKeys({ action: 'tier', id: '1', tier: 'enterprise' }, opts(), tier.io), 0);
    assert.deepEqual([fake.seen.at(-1)?.method, fake.seen.at(-1)?.body], ['PATCH', '{"tier":"enterprise"}']);
    assert.match(
      tier.out(),
      /^consumer app-0 \(key 1 and its other keys\) is now tier enterprise \(not published: /,
    );
    assert.equal(fake.keys[0]?.tier, 'enterprise');
  });

  it('1 with a one-line reason when refused; 2 on bad usage with nothing sent', async () => {
    const missing = captureIo();
    assert.equal(await runKeys({ action: 'revoke', id: '99' }, opts(), missing.io), 1);
    assert.equal(missing.err(), 'floodgate keys revoke: NOT_FOUND: No API key 99\n');
    fake.seen.length = 0;
    for (const what of [
      { action: 'revoke', id: '0' },
      { action: 'tier', id: 'x', tier: 'pro' },
      { action: 'tier', id: '1', tier: 'gold' },
      { action: 'create', name: 'a', tier: 'gold' },
      { action: 'list', limit: 0 },
      { action: 'list', all: true, cursor: 'abc' },
    ] as const) {
      const c = captureIo();
      assert.equal(await runKeys(what, opts(), c.io), 2, JSON.stringify(what));
      assert.equal(c.err().split('\n').length, 2, 'one line');
    }
    assert.equal(await runKeys({ action: 'list' }, { url: fake.url }, captureIo().io), 2, 'no token');
    assert.equal(fake.seen.length, 0);
  });

  it('the binary: tier and list --all, a dash-leading token, FLOODGATE_* from the environment', {
    timeout: 90_000,
  }, async () => {
    await create(3);
    const [tier, list, usage] = await Promise.all([
      runCli(['keys', 'tier', '2', 'pro', '--token', TOKEN, '--url', fake.url]),
      runCli(['keys', 'list', '--all', '--json'], { FLOODGATE_URL: fake.url, FLOODGATE_TOKEN: TOKEN }),
      runCli(['keys', 'tier', '2', 'gold', '--token', TOKEN, '--url', fake.url]),
    ]);
    assert.equal(tier.code, 0, tier.stderr);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(JSON.parse(list.stdout).length, 3);
    assert.equal(usage.code, 2);
    assert.match(
      usage.stderr,
      /^floodgate keys tier: invalid value: tier is "gold", not one of "anonymous", .+\n$/,
    );
  });
});
