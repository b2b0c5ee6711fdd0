import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { captureIo } from '../testing/capture-io.js';
import { type FakeGateway, startFakeGateway } from '../testing/fake-gateway.js';
import { runCli } from '../testing/run-cli.js';
import { runCache } from './cache.js';

const TOKEN = 'cache-admin-token';

describe('floodgate cache', () => {
  let fake: FakeGateway;
  before(async () => {
    fake = await startFakeGateway(TOKEN);
  });
  after(() => fake.close());
  beforeEach(() => fake.reset());
  const opts = (extra: { json?: boolean } = {}) => ({ url: fake.url, token: TOKEN, ...extra });

  it('stats prints totals, hit ratios and one line per api-server', async () => {
    const c = captureIo();
    assert.equal(await runCache({ action: 'stats' }, opts(), c.io), 0);
    assert.match(c.out(), /^api-servers {2}2\/2 answering\n/);
    assert.match(c.out(), /\nhit ratio {4}L1 90\.0 % {2}L2 6\.0 % {2}combined 96\.0 %\n/);
    assert.match(c.out(), /\nL1 {11}7 entries, 900 bytes, 90 hits, 10 misses, 0 evictions\n/);
    assert.match(
      c.out(),
      /\n {2}api-2 {2}http:\/\/127\.0\.0\.1:3002 {2}coherent, bus up, L1 3 entries, L2 trusted\n/,
    );
    const j = captureIo();
    assert.equal(await runCache({ action: 'stats' }, opts({ json: true }), j.io), 0);
    assert.equal(JSON.parse(j.out()).instances.length, 2);
  });

  it('clear sends the scope and prints what each api-server dropped', async () => {
    const c = captureIo();
    assert.equal(await runCache({ action: 'clear', prefix: 'list:' }, opts(), c.io), 0);
    assert.equal(fake.seen.at(-1)?.body, '{"prefix":"list:"}');
    assert.match(c.out(), /^cleared prefix list:\n {2}api-1 {2}\S+ {2}L1 2 entries, L2 1 deleted\n/);
  });

  it('1 naming the api-servers that did not answer; 2 on bad usage', async () => {
    fake.downInstances.add('api-2');
    for (const what of [{ action: 'stats' }, { action: 'clear' }] as const) {
      const c = captureIo();
      assert.equal(await runCache(what, opts(), c.io), 1);
      assert.equal(
        c.err(),
        `floodgate cache ${what.action}: 1 of 2 api-servers did not answer: api-2 (ECONNREFUSED)\n`,
      );
    }
    fake.seen.length = 0;
    assert.equal(await runCache({ action: 'clear', key: 'a b' }, opts(), captureIo().io), 2);
    assert.equal(await runCache({ action: 'clear', key: 'a', prefix: 'b' }, opts(), captureIo().io), 2);
    assert.equal(fake.seen.length, 0);
  });

  it('the binary exits 0 and 2 accordingly', { timeout: 90_000 }, async () => {
    const [ok, usage] = await Promise.all([
      runCli(['cache', 'clear', '--key', 'resource:1', '--token', TOKEN, '--url', fake.url]),
      runCli(['cache', 'clear', '--key', 'a', '--prefix', 'b', '--token', TOKEN, '--url', fake.url]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^cleared key resource:1\n/);
    assert.equal(usage.code, 2);
    assert.equal(
      usage.stderr,
      'floodgate cache clear: give --key or --prefix, not both (see floodgate cache clear --help)\n',
    );
  });
});
